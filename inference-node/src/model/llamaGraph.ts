import { type DecoderArchitecture, LLAMA_ARCHITECTURE, ropeInverseFrequencies } from "./architecture.js";
import {
  headDim,
  type LlamaConfig,
  type LoraTarget,
  moduleGroup,
  projectionShape,
  validateLlamaConfig,
} from "./config.js";
import { attr, ElemType, floatTensor, GraphBuilder, type ModelProto, valueInfo } from "./onnxGraph.js";
import type { DecoderWeights } from "./weights.js";

export interface BuildLlamaGraphOptions {
  /**
   * Projections whose weights become graph inputs (`weight.<layer>.<target>`) instead of initializers.
   * The naive baseline uses it to swap merged weights per request without rebuilding the session.
   */
  weightInputs?: readonly LoraTarget[];
  /** Family differences from plain Llama (default: plain Llama). */
  architecture?: DecoderArchitecture;
  /**
   * Compute logits for the last position of each row only (`logits` is [batch, 1, vocab]): with
   * vocabularies of 50k-260k tokens the prompt's other positions would cost far more than they are
   * worth, since only the last one is sampled.
   */
  lastTokenLogits?: boolean;
}

/** Name of the MatMul node of a projection, as the Hugging Face Optimum exporter names it. */
export function projectionNodeName(layer: number, target: LoraTarget): string {
  return `/model/layers.${layer}/${moduleGroup(target)}/${target}/MatMul`;
}

export function projectionWeightName(layer: number, target: LoraTarget): string {
  return `model.layers.${layer}.${moduleGroup(target)}.${target}.weight`;
}

/**
 * Builds a plain Llama decoder graph with the usual export interface: inputs `input_ids`,
 * `attention_mask`, `position_ids`, `past_key_values.N.key/value`; outputs `logits`,
 * `present.N.key/value`. KV tensors are [batch, kv_heads, seq, head_dim]. LoRA inputs are added
 * afterwards by `addLoraInputs`, the same pass that adapts an exported model.
 */
export function buildLlamaGraph(
  config: LlamaConfig,
  weights: DecoderWeights,
  options: BuildLlamaGraphOptions = {},
): ModelProto {
  validateLlamaConfig(config);
  const arch = options.architecture ?? LLAMA_ARCHITECTURE;
  const g = new GraphBuilder();
  const h = config.hiddenSize;
  const d = headDim(config);
  const qWidth = config.numHeads * d;
  const groups = config.numHeads / config.numKvHeads;
  const weightInputs = new Set(options.weightInputs ?? []);

  g.inputs.push(
    valueInfo("input_ids", ElemType.INT64, ["batch_size", "sequence_length"]),
    valueInfo("attention_mask", ElemType.INT64, ["batch_size", "total_sequence_length"]),
    valueInfo("position_ids", ElemType.INT64, ["batch_size", "sequence_length"]),
  );
  for (let l = 0; l < config.numLayers; l++) {
    for (const kind of ["key", "value"]) {
      g.inputs.push(
        valueInfo(`past_key_values.${l}.${kind}`, ElemType.FLOAT, [
          "batch_size",
          config.numKvHeads,
          "past_sequence_length",
          d,
        ]),
      );
    }
  }
  g.outputs.push(
    valueInfo("logits", ElemType.FLOAT, [
      "batch_size",
      options.lastTokenLogits ? 1 : "sequence_length",
      config.vocabSize,
    ]),
  );

  const weight = (name: string, data: Float32Array, dims: number[]): string => {
    g.initializers.push(floatTensor(name, data, dims));
    return name;
  };

  // Embedding lookup.
  const embed = weight("model.embed_tokens.weight", weights.embedTokens, [config.vocabSize, h]);
  let hidden = g.op("Gather", [embed, "input_ids"], [attr.int("axis", 0)], "/model/embed_tokens/Gather");
  if (arch.embeddingScale !== 1) hidden = g.op("Mul", [hidden, g.constFloat(arch.embeddingScale)]);

  // Additive attention bias [batch, 1, 1, seq, total]: causal over absolute columns and the padding mask.
  const seqLen = g.op("Shape", ["input_ids"], [attr.int("start", 1), attr.int("end", 2)]);
  const totalLen = g.op("Shape", ["attention_mask"], [attr.int("start", 1), attr.int("end", 2)]);
  const pastLen = g.op("Sub", [totalLen, seqLen]);
  const zero = g.constInt64([0], []);
  const one = g.constInt64([1], []);
  const keyColumns = g.op("Range", [zero, g.op("Squeeze", [totalLen]), one]);
  const queryColumns = g.op("Add", [g.op("Range", [zero, g.op("Squeeze", [seqLen]), one]), pastLen]);
  const causal = g.op("LessOrEqual", [
    g.op("Unsqueeze", [keyColumns, g.constInt64([0])]),
    g.op("Unsqueeze", [queryColumns, g.constInt64([1])]),
  ]);
  const padding = g.op("Unsqueeze", [
    g.op("Cast", ["attention_mask"], [attr.int("to", ElemType.BOOL)]),
    g.constInt64([1]),
  ]);
  const allowed = g.op("And", [causal, padding]);
  // A finite minimum instead of -inf keeps fully padded query rows finite (they are never read).
  const bias = g.op("Where", [allowed, g.constFloat(0), g.constFloat(-1e9)]);
  const attentionBias = g.op("Unsqueeze", [bias, g.constInt64([1, 2])], [], "/model/attention_bias");

  // Rotary tables [batch, 1, seq, head_dim] from position_ids.
  const invFreq = Float32Array.from(ropeInverseFrequencies(config, arch.ropeScaling));
  const invFreqName = weight("model.rotary_emb.inv_freq", invFreq, [d / 2]);
  const positions = g.op("Unsqueeze", [
    g.op("Cast", ["position_ids"], [attr.int("to", ElemType.FLOAT)]),
    g.constInt64([2]),
  ]);
  const freqs = g.op("Mul", [positions, invFreqName]);
  const angles = g.op("Unsqueeze", [
    g.op("Concat", [freqs, freqs], [attr.int("axis", -1)]),
    g.constInt64([1]),
  ]);
  const cos = g.op("Cos", [angles], [], "/model/rotary_emb/Cos");
  const sin = g.op("Sin", [angles], [], "/model/rotary_emb/Sin");
  const halfStart = g.constInt64([0]);
  const halfMid = g.constInt64([d / 2]);
  const halfEnd = g.constInt64([d]);
  const lastAxis = g.constInt64([3]);
  const applyRope = (x: string): string => {
    const x1 = g.op("Slice", [x, halfStart, halfMid, lastAxis]);
    const x2 = g.op("Slice", [x, halfMid, halfEnd, lastAxis]);
    const rotated = g.op("Concat", [g.op("Neg", [x2]), x1], [attr.int("axis", -1)]);
    return g.op("Add", [g.op("Mul", [x, cos]), g.op("Mul", [rotated, sin])]);
  };

  const rmsNorm = (x: string, w: Float32Array, name: string): string => {
    const scaleWeights = arch.normOffset === 0 ? w : w.map((value) => value + arch.normOffset);
    const variance = g.op(
      "ReduceMean",
      [g.op("Mul", [x, x])],
      [attr.ints("axes", [-1]), attr.int("keepdims", 1)],
    );
    const inv = g.op("Reciprocal", [
      g.op("Sqrt", [g.op("Add", [variance, g.constFloat(config.rmsNormEps)])]),
    ]);
    return g.op(
      "Mul",
      [g.op("Mul", [x, inv]), weight(`${name}.weight`, scaleWeights, [w.length])],
      [],
      `/${name.replaceAll(".", "/")}/Mul`,
    );
  };

  const projection = (x: string, layer: number, target: LoraTarget): string => {
    const data = weights.layers[layer]?.proj[target];
    if (!data) throw new Error(`missing weights for layer ${layer} ${target}`);
    const dims = projectionShape(config, target);
    let w: string;
    if (weightInputs.has(target)) {
      w = `weight.${layer}.${target}`;
      g.inputs.push(valueInfo(w, ElemType.FLOAT, dims));
    } else {
      w = weight(projectionWeightName(layer, target), data, dims);
    }
    const y = g.op("MatMul", [x, w], [], projectionNodeName(layer, target));
    if (!(arch.biases as readonly LoraTarget[]).includes(target)) return y;
    const bias = weights.layers[layer]?.bias?.[target];
    if (!bias) throw new Error(`missing bias for layer ${layer} ${target}`);
    return g.op("Add", [
      y,
      weight(`model.layers.${layer}.${moduleGroup(target)}.${target}.bias`, bias, [dims[1]]),
    ]);
  };

  const activate = (x: string): string => {
    switch (arch.activation) {
      case "silu":
        return g.op("Mul", [x, g.op("Sigmoid", [x])]);
      case "gelu":
        return g.op("Mul", [
          g.op("Mul", [x, g.constFloat(0.5)]),
          g.op("Add", [g.op("Erf", [g.op("Mul", [x, g.constFloat(Math.SQRT1_2)])]), g.constFloat(1)]),
        ]);
      case "gelu_tanh": {
        const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
        const inner = g.op("Mul", [
          g.op("Add", [x, g.op("Mul", [cube, g.constFloat(0.044715)])]),
          g.constFloat(Math.sqrt(2 / Math.PI)),
        ]);
        return g.op("Mul", [
          g.op("Mul", [x, g.constFloat(0.5)]),
          g.op("Add", [g.op("Tanh", [inner]), g.constFloat(1)]),
        ]);
      }
    }
  };

  const scale = g.constFloat(1 / Math.sqrt(d));
  const toHeads = g.constInt64([0, 0, config.numHeads, d]);
  const toKvHeads = g.constInt64([0, 0, config.numKvHeads, d]);
  const toGroups = g.constInt64([0, config.numKvHeads, groups, -1, d]);
  const fromGroups = g.constInt64([0, config.numHeads, -1, d]);
  const toHidden = g.constInt64([0, 0, qWidth]);
  const headsFirst = [attr.ints("perm", [0, 2, 1, 3])];

  for (let l = 0; l < config.numLayers; l++) {
    const layer = weights.layers[l];
    if (!layer) throw new Error(`missing weights for layer ${l}`);
    const prefix = `model.layers.${l}`;
    const normed = rmsNorm(hidden, layer.inputNorm, `${prefix}.input_layernorm`);
    const headNorm = (x: string, w: Float32Array | undefined, name: string): string => {
      if (!arch.qkNorm) return x;
      if (!w) throw new Error(`missing weights for ${prefix}.self_attn.${name}`);
      return rmsNorm(x, w, `${prefix}.self_attn.${name}`);
    };
    const qHeads = headNorm(
      g.op("Reshape", [projection(normed, l, "q_proj"), toHeads]),
      layer.qNorm,
      "q_norm",
    );
    const kHeads = headNorm(
      g.op("Reshape", [projection(normed, l, "k_proj"), toKvHeads]),
      layer.kNorm,
      "k_norm",
    );
    const q = applyRope(g.op("Transpose", [qHeads], headsFirst));
    const k = applyRope(g.op("Transpose", [kHeads], headsFirst));
    const v = g.op("Transpose", [g.op("Reshape", [projection(normed, l, "v_proj"), toKvHeads])], headsFirst);
    const presentKey = `present.${l}.key`;
    const presentValue = `present.${l}.value`;
    g.node("Concat", [`past_key_values.${l}.key`, k], {
      outputs: [presentKey],
      attributes: [attr.int("axis", 2)],
    });
    g.node("Concat", [`past_key_values.${l}.value`, v], {
      outputs: [presentValue],
      attributes: [attr.int("axis", 2)],
    });
    for (const name of [presentKey, presentValue]) {
      g.outputs.push(
        valueInfo(name, ElemType.FLOAT, ["batch_size", config.numKvHeads, "total_sequence_length", d]),
      );
    }
    // Grouped-query attention without copying KV: q as [b, kv, group, t, d] against k as [b, kv, 1, d, L].
    const qGrouped = g.op("Reshape", [q, toGroups]);
    const kT = g.op(
      "Transpose",
      [g.op("Unsqueeze", [presentKey, g.constInt64([2])])],
      [attr.ints("perm", [0, 1, 2, 4, 3])],
    );
    const scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [qGrouped, kT]), scale]), attentionBias]);
    const probs = g.op("Softmax", [scores], [attr.int("axis", -1)]);
    const context = g.op("MatMul", [probs, g.op("Unsqueeze", [presentValue, g.constInt64([2])])]);
    const merged = g.op("Reshape", [
      g.op("Transpose", [g.op("Reshape", [context, fromGroups])], headsFirst),
      toHidden,
    ]);
    hidden = g.op("Add", [hidden, projection(merged, l, "o_proj")]);

    const normed2 = rmsNorm(hidden, layer.postAttentionNorm, `${prefix}.post_attention_layernorm`);
    const gate = projection(normed2, l, "gate_proj");
    const up = projection(normed2, l, "up_proj");
    const activated = g.op("Mul", [activate(gate), up]);
    hidden = g.op("Add", [hidden, projection(activated, l, "down_proj")]);
  }

  if (options.lastTokenLogits) {
    hidden = g.op("Slice", [hidden, g.constInt64([-1]), g.constInt64([2 ** 62]), g.constInt64([1])]);
  }
  const finalNorm = rmsNorm(hidden, weights.finalNorm, "model.norm");
  if (weights.lmHead) {
    const lmHead = weight("lm_head.weight", weights.lmHead, [h, config.vocabSize]);
    g.node("MatMul", [finalNorm, lmHead], { name: "/lm_head/MatMul", outputs: ["logits"] });
  } else {
    if (!arch.tiedEmbeddings) throw new Error("lm_head weights are missing and embeddings are not tied");
    // Tied: the embedding initializer itself, read transposed by Gemm, so there is one copy.
    const rows = g.op("Reshape", [finalNorm, g.constInt64([-1, h])]);
    const flat = g.op("Gemm", [rows, embed], [attr.int("transB", 1)], "/lm_head/Gemm");
    const outShape = g.op(
      "Concat",
      [
        g.op("Shape", [finalNorm], [attr.int("start", 0), attr.int("end", 2)]),
        g.constInt64([config.vocabSize]),
      ],
      [attr.int("axis", 0)],
    );
    g.node("Reshape", [flat, outShape], { name: "/lm_head/Reshape", outputs: ["logits"] });
  }
  return g.toModel("llama");
}
