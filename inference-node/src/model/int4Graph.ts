import {
  gatherZeroPoints,
  INT4_BLOCK_SIZE,
  type Int4Mode,
  type Int4Weight,
  quantizeInt4,
  quantizeTransposedInt4,
} from "./int4.js";
import { type AttributeProto, attr, type ModelProto, type NodeProto, type TensorProto } from "./onnxGraph.js";

/** How the node holds a checkpoint's weights; `int4-*` quantize at load (see `quantizeDecoderGraph`). */
export const WEIGHT_FORMATS = ["f32", "int4-sym", "int4-asym"] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];

export function isWeightFormat(value: string): value is WeightFormat {
  return (WEIGHT_FORMATS as readonly string[]).includes(value);
}

export function int4Mode(format: WeightFormat): Int4Mode | null {
  return format === "int4-sym" ? "sym" : format === "int4-asym" ? "asym" : null;
}

export const CONTRIB_DOMAIN = "com.microsoft";
const UINT8 = 2;
const FLOAT = 1;

const PROJECTION_NODE = /^\/model\/layers\.\d+\/(?:self_attn|mlp)\/[a-z]+_proj\/MatMul$/;
const EMBED_GATHER = "/model/embed_tokens/Gather";
const LM_HEAD_MATMUL = "/lm_head/MatMul";
const LM_HEAD_TIED = "/lm_head/Gemm";

export interface QuantizeDecoderResult {
  /** Matrices now held in 4 bits (projections, output projection, embedding). */
  quantized: string[];
  /** Matrices left in float32, with the reason. */
  kept: { name: string; reason: string }[];
}

/**
 * Replaces the float32 matrices of a plain decoder graph (as `buildLlamaGraph` writes it) by
 * 4-bit blocks of 32, in place: every projection `MatMul` and the output projection become
 * ONNX Runtime's `MatMulNBits`, the embedding `Gather` becomes `GatherBlockQuantized`. With tied
 * embeddings both read the same packed tensor, so there is still one copy. Run it before
 * `addLoraInputs`: the LoRA path it adds stays float32. Matrices whose reduced dimension is not a
 * multiple of 32 keep float32 for the embedding (its packed rows would not line up).
 */
export function quantizeDecoderGraph(model: ModelProto, mode: Int4Mode): QuantizeDecoderResult {
  const graph = model.graph;
  if (!graph?.node || !graph.initializer) throw new Error("model has no graph");
  const initializers = new Map<string, TensorProto>();
  for (const init of graph.initializer) initializers.set(init.name as string, init);
  const removed = new Set<string>();
  const added: TensorProto[] = [];
  const result: QuantizeDecoderResult = { quantized: [], kept: [] };

  const floatMatrix = (name: string): { data: Float32Array; dims: [number, number] } => {
    const tensor = initializers.get(name);
    if (tensor?.dataType !== FLOAT || tensor.dims?.length !== 2 || !tensor.rawData) {
      throw new Error(`${name} is not a float32 matrix initializer`);
    }
    const raw = tensor.rawData;
    // A view when the bytes are aligned (the builder's tensors are), else one copy.
    const aligned = raw.byteOffset % 4 === 0 ? raw : raw.slice();
    const data = new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
    return { data, dims: tensor.dims.map(Number) as [number, number] };
  };
  const store = (name: string, weight: Int4Weight): string[] => {
    const inputs = [`${name}.int4`, `${name}.scales`];
    added.push(
      {
        name: inputs[0],
        dims: [weight.n, weight.blocks * (INT4_BLOCK_SIZE / 2)],
        dataType: UINT8,
        rawData: weight.packed,
      },
      { name: inputs[1], dims: [weight.n, weight.blocks], dataType: FLOAT, rawData: bytesOf(weight.scales) },
    );
    if (weight.zeroPoints) {
      inputs.push(`${name}.zero_points`);
      added.push({
        name: `${name}.zero_points`,
        dims: [weight.n, Math.ceil(weight.blocks / 2)],
        dataType: UINT8,
        rawData: weight.zeroPoints,
      });
    }
    removed.add(name);
    result.quantized.push(name);
    return inputs;
  };
  const matMulNBits = (node: NodeProto, input: string, weight: Int4Weight, stored: string[]) => {
    node.opType = "MatMulNBits";
    node.domain = CONTRIB_DOMAIN;
    node.name = `${node.name}NBits`;
    node.input = [input, ...stored];
    node.attribute = nBitsAttributes(weight.k, weight.n);
  };

  let embedding: { name: string; weight: Int4Weight; stored: string[] } | null = null;
  const gather = graph.node.find((node) => node.name === EMBED_GATHER);
  if (gather) {
    const name = gather.input?.[0] as string;
    const { data, dims } = floatMatrix(name);
    const [vocab, hidden] = dims;
    if (hidden % INT4_BLOCK_SIZE !== 0) {
      result.kept.push({ name, reason: `hidden size ${hidden} is not a multiple of ${INT4_BLOCK_SIZE}` });
    } else {
      const weight = quantizeTransposedInt4(data, vocab, hidden, mode);
      const stored = store(name, weight);
      embedding = { name, weight, stored };
      const gatherInputs = [stored[0] as string, gather.input?.[1] as string, stored[1] as string];
      const zeroPoints = gatherZeroPoints(weight);
      if (zeroPoints && zeroPoints !== weight.zeroPoints) {
        gatherInputs.push(`${name}.gather_zero_points`);
        added.push({
          name: `${name}.gather_zero_points`,
          dims: [weight.n, Math.ceil(weight.blocks / 2)],
          dataType: UINT8,
          rawData: zeroPoints,
        });
      } else if (zeroPoints) {
        gatherInputs.push(stored[2] as string);
      }
      gather.opType = "GatherBlockQuantized";
      gather.domain = CONTRIB_DOMAIN;
      gather.input = gatherInputs;
      gather.attribute = [
        attr.int("gather_axis", 0),
        attr.int("quantize_axis", 1),
        attr.int("bits", 4),
        attr.int("block_size", INT4_BLOCK_SIZE),
      ];
    }
  }

  for (const node of graph.node) {
    const name = node.name as string;
    if (node.opType === "MatMul" && (PROJECTION_NODE.test(name) || name === LM_HEAD_MATMUL)) {
      const weightName = node.input?.[1] as string;
      const { data, dims } = floatMatrix(weightName);
      const weight = quantizeInt4(data, dims[0], dims[1], mode);
      matMulNBits(node, node.input?.[0] as string, weight, store(weightName, weight));
    } else if (node.opType === "Gemm" && name === LM_HEAD_TIED) {
      const tiedName = node.input?.[1] as string;
      if (embedding?.name === tiedName) {
        // The embedding [vocab, hidden] is already the [N, K] layout MatMulNBits reads.
        matMulNBits(node, node.input?.[0] as string, embedding.weight, embedding.stored);
      } else {
        result.kept.push({
          name: `${tiedName} (output projection)`,
          reason: "tied to an embedding kept in float32",
        });
      }
    }
  }

  graph.initializer = [...graph.initializer.filter((init) => !removed.has(init.name as string)), ...added];
  if (result.quantized.length > 0 && !model.opsetImport?.some((o) => o.domain === CONTRIB_DOMAIN)) {
    model.opsetImport = [...(model.opsetImport ?? []), { domain: CONTRIB_DOMAIN, version: 1 }];
  }
  return result;
}

function nBitsAttributes(k: number, n: number): AttributeProto[] {
  // accuracy_level 0: activations stay float32, so the product is exactly x @ dequantize(W).
  return [
    attr.int("K", k),
    attr.int("N", n),
    attr.int("bits", 4),
    attr.int("block_size", INT4_BLOCK_SIZE),
    attr.int("accuracy_level", 0),
  ];
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
