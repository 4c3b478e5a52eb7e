import { ATTENTION_TARGETS, isLoraTarget, type LoraTarget } from "./config.js";
import {
  type AttributeProto,
  attr,
  ElemType,
  type GraphProtoMessage,
  int64Tensor,
  type ModelProto,
  type NodeProtoMessage,
  onnx,
  type TensorProtoMessage,
  type ValueInfoProto,
  valueInfo,
} from "./onnxGraph.js";

export const LORA_SLOTS_INPUT = "lora_slots";
export const LORA_SCALES_INPUT = "lora_scales";

export function loraBankInputName(layer: number, target: LoraTarget, part: "A" | "B"): string {
  return `lora.${layer}.${target}.${part}`;
}

/** Parses `lora.<layer>.<target>.A` back into its parts. */
export function parseLoraBankInputName(
  name: string,
): { layer: number; target: LoraTarget; part: "A" | "B" } | null {
  const match = /^lora\.(\d+)\.([a-z_]+)\.(A|B)$/.exec(name);
  if (!match || !isLoraTarget(match[2] as string)) return null;
  return { layer: Number(match[1]), target: match[2] as LoraTarget, part: match[3] as "A" | "B" };
}

export interface AdaptedModule {
  layer: number;
  target: LoraTarget;
  inDim: number;
  outDim: number;
}

export interface AddLoraInputsResult {
  model: ModelProto;
  modules: AdaptedModule[];
}

const NODE_NAME = /layers\.(\d+)\/(?:self_attn|mlp)\/([a-z]+_proj)\/MatMul(?:NBits)?/;
const WEIGHT_NAME = /layers\.(\d+)\.(?:self_attn|mlp)\.([a-z]+_proj)\.weight/;

/**
 * How the graph receives adapter weights.
 * - `"rows"` (default): one `[in, rank]` / `[rank, out]` pair per batch row, already in row order
 *   (`lora.<layer>.<target>.A` [batch, in, rank], `.B` [batch, rank, out], `lora_scales` [batch]).
 *   The session lays them out from its slot bank and reuses them while the batch keeps the same
 *   rows, so a decode step reads each row's adapter once and copies nothing.
 * - `"slots"`: the whole bank (`[slots, in, rank]`, `lora_scales` [slots]) plus `lora_slots`
 *   [batch]; the graph gathers each row's matrices in every step (the earlier layout, kept for
 *   graphs already written and as the benchmark's baseline).
 */
export type LoraBankLayout = "rows" | "slots";

/**
 * Adds multi-adapter LoRA inputs to a Llama decoder graph. Each projection MatMul `y = x @ W` on a
 * target becomes `y = x @ W + s · (x @ A) @ B` with each row's own A, B and s (see
 * `LoraBankLayout` for how they are fed). Slot 0 is by convention all zeros (no adapter).
 * Projections are found by the node names of the Optimum exporter
 * (`/model/layers.N/self_attn/q_proj/MatMul`, or `MatMulNBits` for 4-bit weights) or by their
 * weight initializer names.
 */
export function addLoraInputs(
  source: ModelProto,
  targets: readonly LoraTarget[] = ATTENTION_TARGETS,
  layout: LoraBankLayout = "rows",
): AddLoraInputsResult {
  const bankDim = layout === "rows" ? "batch_size" : "lora_bank_slots";
  const model = onnx.ModelProto.decode(onnx.ModelProto.encode(source).finish());
  if (!model.graph) throw new Error("model has no graph");
  const graph = model.graph as GraphProtoMessage;
  const nodesIn = graph.node as NodeProtoMessage[];
  if (graph.input.some((i) => i.name === LORA_SLOTS_INPUT || i.name === LORA_SCALES_INPUT))
    throw new Error("graph already has LoRA inputs");

  const shapes = new Map<string, number[]>();
  for (const init of graph.initializer as TensorProtoMessage[])
    shapes.set(
      init.name,
      init.dims.map((d) => Number(d)),
    );
  for (const input of graph.input) {
    const dims = input.type?.tensorType?.shape?.dim;
    if (dims?.every((d) => d.dimValue != null && Number(d.dimValue) > 0)) {
      shapes.set(
        input.name as string,
        dims.map((d) => Number(d.dimValue)),
      );
    }
  }

  const wanted = new Set<LoraTarget>(targets);
  const modules: AdaptedModule[] = [];
  const inserted = new Map<NodeProtoMessage, NodeProtoMessage[]>();
  const bankInputs: ValueInfoProto[] = [];
  const rowScale = "/lora/row_scale";

  for (const node of nodesIn) {
    const quantized = node.opType === "MatMulNBits";
    if (!quantized && (node.opType !== "MatMul" || node.input.length !== 2)) continue;
    const match = NODE_NAME.exec(node.name) ?? WEIGHT_NAME.exec(node.input[1] as string);
    if (!match) continue;
    const target = match[2] as string;
    if (!isLoraTarget(target) || !wanted.has(target)) continue;
    const layer = Number(match[1]);
    // A 4-bit projection (see quantizeDecoderGraph) states its [K, N] in attributes.
    const dims = quantized ? nBitsShape(node) : shapes.get(node.input[1] as string);
    if (dims?.length !== 2) throw new Error(`cannot read the [in, out] shape of ${node.name}`);
    const [inDim, outDim] = dims as [number, number];
    if (modules.some((m) => m.layer === layer && m.target === target)) {
      throw new Error(`projection layer ${layer} ${target} matched twice`);
    }
    modules.push({ layer, target, inDim, outDim });

    const x = node.input[0] as string;
    const y = node.output[0] as string;
    const base = `${y}/lora_base`;
    node.output[0] = base;
    const a = loraBankInputName(layer, target, "A");
    const b = loraBankInputName(layer, target, "B");
    bankInputs.push(
      valueInfo(a, ElemType.FLOAT, [bankDim, inDim, "lora_rank"]),
      valueInfo(b, ElemType.FLOAT, [bankDim, "lora_rank", outDim]),
    );
    const prefix = `/lora/layers.${layer}/${target}`;
    const make = (opType: string, inputs: string[], output: string, attributes: AttributeProto[] = []) =>
      onnx.NodeProto.create({
        opType,
        name: `${prefix}/${output}`,
        input: inputs,
        output: [`${prefix}/${output}`],
        attribute: attributes,
      });
    const sum = onnx.NodeProto.create({
      opType: "Add",
      name: `${prefix}/Add`,
      input: [base, `${prefix}/Up`],
      output: [y],
    });
    if (layout === "rows") {
      const down = make("MatMul", [x, a], "Down");
      const scaled = make("Mul", [`${prefix}/Down`, rowScale], "Scaled");
      const up = make("MatMul", [`${prefix}/Scaled`, b], "Up");
      inserted.set(node, [down, scaled, up, sum]);
    } else {
      const gatherA = make("Gather", [a, LORA_SLOTS_INPUT], "GatherA", [attr.int("axis", 0)]);
      const down = make("MatMul", [x, `${prefix}/GatherA`], "Down");
      const scaled = make("Mul", [`${prefix}/Down`, rowScale], "Scaled");
      const gatherB = make("Gather", [b, LORA_SLOTS_INPUT], "GatherB", [attr.int("axis", 0)]);
      const up = make("MatMul", [`${prefix}/Scaled`, `${prefix}/GatherB`], "Up");
      inserted.set(node, [gatherA, down, scaled, gatherB, up, sum]);
    }
  }

  for (const target of wanted) {
    if (!modules.some((m) => m.target === target))
      throw new Error(`no ${target} projection found in the graph`);
  }

  const scaleShape = "/lora/scale_shape";
  graph.initializer.push(onnx.TensorProto.create(int64Tensor(scaleShape, [-1, 1, 1], [3])));
  const reshapeScale = (input: string) =>
    onnx.NodeProto.create({
      opType: "Reshape",
      name: "/lora/ReshapeScale",
      input: [input, scaleShape],
      output: [rowScale],
    });
  const prologue =
    layout === "rows"
      ? [reshapeScale(LORA_SCALES_INPUT)]
      : [
          onnx.NodeProto.create({
            opType: "Gather",
            name: "/lora/GatherScale",
            input: [LORA_SCALES_INPUT, LORA_SLOTS_INPUT],
            output: ["/lora/slot_scale"],
            attribute: [attr.int("axis", 0)],
          }),
          reshapeScale("/lora/slot_scale"),
        ];
  const nodes: NodeProtoMessage[] = [...prologue];
  for (const node of nodesIn) {
    nodes.push(node);
    const extra = inserted.get(node);
    if (extra) nodes.push(...extra);
  }
  graph.node = nodes;
  if (layout === "slots") {
    graph.input.push(onnx.ValueInfoProto.create(valueInfo(LORA_SLOTS_INPUT, ElemType.INT64, ["batch_size"])));
  }
  graph.input.push(
    onnx.ValueInfoProto.create(valueInfo(LORA_SCALES_INPUT, ElemType.FLOAT, [bankDim])),
    ...bankInputs.map((b) => onnx.ValueInfoProto.create(b)),
  );
  modules.sort((p, q) => p.layer - q.layer || targets.indexOf(p.target) - targets.indexOf(q.target));
  return { model, modules };
}

function nBitsShape(node: NodeProtoMessage): number[] | undefined {
  const k = node.attribute.find((a) => a.name === "K")?.i;
  const n = node.attribute.find((a) => a.name === "N")?.i;
  return k == null || n == null ? undefined : [Number(k), Number(n)];
}
