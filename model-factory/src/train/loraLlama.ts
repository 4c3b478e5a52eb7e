import {
  deriveSeed,
  headDim,
  type LlamaConfig,
  type LlamaWeights,
  type LoraModule,
  type LoraTarget,
  mulberry32,
  projectionShape,
} from "../base/inferenceNode.js";
import { tf, variableOf } from "./backend.js";
import { dequantizeMatrix, type QuantizedMatrix, quantizedBytes, quantizeMatrix } from "./quantize.js";

export interface LoraSettings {
  rank: number;
  alpha: number;
  targets: readonly LoraTarget[];
  /** Scale alpha / sqrt(r) instead of alpha / r. */
  useRslora: boolean;
}

export type BaseQuantization = "none" | "int8" | "int4";

export interface LoraLlamaOptions {
  llama: LlamaConfig;
  weights: LlamaWeights;
  lora: LoraSettings;
  /** Seeds lora_A (Kaiming-uniform, as PEFT); lora_B starts at zero so training starts at the base model. */
  seed: number;
  quantization?: BaseQuantization;
  /** Group size of int4 scales along the input dimension (int8 uses one scale per column). */
  int4GroupSize?: number;
}

/** A padded batch: `ids` [rows, length]; targets and mask per position ([rows * length]). */
export interface TokenBatch {
  rows: number;
  length: number;
  ids: Int32Array;
  targets: Int32Array;
  /** 1 where the position's next token counts in the loss (a response token), else 0. */
  lossMask: Float32Array;
}

export function loraKey(layer: number, target: LoraTarget): string {
  return `${layer}.${target}`;
}

interface FrozenLayer {
  inputNorm: tf.Tensor1D;
  postAttentionNorm: tf.Tensor1D;
  proj: Record<LoraTarget, tf.Tensor2D>;
}

/**
 * The inference node's Llama decoder as a tfjs computation with trainable LoRA factors. The base
 * weights are constants (frozen); only `lora.<layer>.<target>.A` [in, r] and `.B` [r, out] are
 * variables, oriented as the node's LoRA bank multiplies them: y = x W + scale · (x A) B.
 */
let instances = 0;

export class LoraLlama {
  readonly llama: LlamaConfig;
  readonly lora: LoraSettings;
  readonly scale: number;
  readonly quantization: BaseQuantization;
  /** Bytes the frozen projections take in their stored form (float32 or packed integers + scales). */
  readonly frozenProjectionBytes: number;
  readonly variables = new Map<string, tf.Variable>();
  private readonly embed: tf.Tensor2D;
  private readonly finalNorm: tf.Tensor1D;
  private readonly lmHead: tf.Tensor2D;
  private readonly layers: FrozenLayer[];

  constructor(options: LoraLlamaOptions) {
    const { llama, weights, lora } = options;
    if (!Number.isInteger(lora.rank) || lora.rank < 1)
      throw new Error("LoRA rank must be a positive integer");
    if (lora.targets.length === 0) throw new Error("LoRA needs at least one target module");
    this.llama = llama;
    this.lora = lora;
    this.scale = lora.useRslora ? lora.alpha / Math.sqrt(lora.rank) : lora.alpha / lora.rank;
    this.quantization = options.quantization ?? "none";
    const h = llama.hiddenSize;
    let frozenBytes = 0;
    const frozenMatrix = (data: Float32Array, target: LoraTarget): tf.Tensor2D => {
      const [rows, cols] = projectionShape(llama, target);
      if (this.quantization === "none") {
        frozenBytes += data.byteLength;
        return tf.tensor2d(data, [rows, cols]);
      }
      const q: QuantizedMatrix =
        this.quantization === "int8"
          ? quantizeMatrix(data, rows, cols, 8)
          : quantizeMatrix(data, rows, cols, 4, options.int4GroupSize ?? 32);
      frozenBytes += quantizedBytes(q);
      return tf.tensor2d(dequantizeMatrix(q), [rows, cols]);
    };
    this.embed = tf.tensor2d(weights.embedTokens, [llama.vocabSize, h]);
    this.finalNorm = tf.tensor1d(weights.finalNorm);
    this.lmHead = tf.tensor2d(weights.lmHead, [h, llama.vocabSize]);
    this.layers = weights.layers.map((layer) => ({
      inputNorm: tf.tensor1d(layer.inputNorm),
      postAttentionNorm: tf.tensor1d(layer.postAttentionNorm),
      proj: Object.fromEntries(
        (Object.keys(layer.proj) as LoraTarget[]).map((t) => [t, frozenMatrix(layer.proj[t], t)]),
      ) as Record<LoraTarget, tf.Tensor2D>,
    }));
    this.frozenProjectionBytes = frozenBytes;

    // tfjs variable names are global to the process: prefix them so several models can coexist.
    const prefix = `lora${++instances}`;
    for (let l = 0; l < llama.numLayers; l++) {
      for (const target of lora.targets) {
        const [inDim, outDim] = projectionShape(llama, target);
        const next = mulberry32(deriveSeed(options.seed, `lora.${l}.${target}.A`));
        const bound = 1 / Math.sqrt(inDim);
        const a = Float32Array.from({ length: inDim * lora.rank }, () => (2 * next() - 1) * bound);
        const key = loraKey(l, target);
        this.variables.set(
          `${key}.A`,
          variableOf(tf.tensor2d(a, [inDim, lora.rank]), true, `${prefix}.${key}.A`),
        );
        this.variables.set(`${key}.B`, variableOf(tf.zeros([lora.rank, outDim]), true, `${prefix}.${key}.B`));
      }
    }
  }

  /** Logits [rows * length, vocab] of a right-padded batch (positions 0..length-1 in every row). */
  logits(ids: Int32Array, rows: number, length: number): tf.Tensor2D {
    const { llama } = this;
    const h = llama.hiddenSize;
    const d = headDim(llama);
    const groups = llama.numHeads / llama.numKvHeads;
    const n = rows * length;
    const { cos, sin } = ropeTables(llama, length);
    // Right padding needs only the causal mask: real tokens never see the pads after them.
    const bias = causalBias(length);
    const rope = (x: tf.Tensor4D): tf.Tensor4D => {
      const x1 = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, d / 2]);
      const x2 = tf.slice(x, [0, 0, 0, d / 2], [-1, -1, -1, d / 2]);
      const rotated = tf.concat([tf.neg(x2), x1], 3);
      return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
    };
    const project = (x: tf.Tensor2D, layer: number, target: LoraTarget): tf.Tensor2D => {
      const w = (this.layers[layer] as FrozenLayer).proj[target];
      const base = tf.matMul(x, w) as tf.Tensor2D;
      const a = this.variables.get(`${loraKey(layer, target)}.A`);
      const b = this.variables.get(`${loraKey(layer, target)}.B`);
      if (!a || !b) return base;
      return tf.add<tf.Tensor2D>(
        base,
        tf.mul(tf.matMul(tf.matMul(x, a as tf.Tensor2D), b as tf.Tensor2D), this.scale),
      );
    };
    const rmsNorm = (x: tf.Tensor2D, w: tf.Tensor1D): tf.Tensor2D => {
      const variance = tf.mean(tf.square(x), -1, true);
      return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, llama.rmsNormEps))), w);
    };
    const heads = (x: tf.Tensor2D, count: number): tf.Tensor4D =>
      tf.transpose(tf.reshape(x, [rows, length, count, d]), [0, 2, 1, 3]);

    let hidden: tf.Tensor2D = tf.gather(this.embed, tf.tensor1d(ids, "int32"));
    for (let l = 0; l < llama.numLayers; l++) {
      const layer = this.layers[l] as FrozenLayer;
      const normed = rmsNorm(hidden, layer.inputNorm);
      const q = rope(heads(project(normed, l, "q_proj"), llama.numHeads));
      const k = rope(heads(project(normed, l, "k_proj"), llama.numKvHeads));
      const v = heads(project(normed, l, "v_proj"), llama.numKvHeads);
      // Grouped-query attention without repeating KV: the query heads of one KV head share a batch entry.
      const batchHeads = rows * llama.numKvHeads;
      const q3 = tf.reshape(q, [batchHeads, groups * length, d]);
      const k3 = tf.reshape(k, [batchHeads, length, d]);
      const v3 = tf.reshape(v, [batchHeads, length, d]);
      const scores = tf.add(
        tf.reshape(tf.mul(tf.matMul(q3, k3, false, true), 1 / Math.sqrt(d)), [
          batchHeads,
          groups,
          length,
          length,
        ]),
        bias,
      );
      const probs = tf.reshape(tf.softmax(scores, -1), [batchHeads, groups * length, length]);
      const context = tf.reshape(
        tf.transpose(tf.reshape(tf.matMul(probs, v3), [rows, llama.numHeads, length, d]), [0, 2, 1, 3]),
        [n, h],
      );
      hidden = tf.add<tf.Tensor2D>(hidden, project(context as tf.Tensor2D, l, "o_proj"));
      const normed2 = rmsNorm(hidden, layer.postAttentionNorm);
      const gate = project(normed2, l, "gate_proj");
      const up = project(normed2, l, "up_proj");
      const activated = tf.mul<tf.Tensor2D>(tf.mul(gate, tf.sigmoid(gate)), up);
      hidden = tf.add<tf.Tensor2D>(hidden, project(activated, l, "down_proj"));
    }
    return tf.matMul(rmsNorm(hidden, this.finalNorm), this.lmHead);
  }

  /** Sum of the negative log-likelihoods of the masked next tokens (a scalar). */
  lossSum(batch: TokenBatch): tf.Scalar {
    const logits = this.logits(batch.ids, batch.rows, batch.length);
    const logProbs = tf.logSoftmax(logits, -1);
    const picked = tf.sum(
      tf.mul(logProbs, tf.oneHot(tf.tensor1d(batch.targets, "int32"), this.llama.vocabSize)),
      -1,
    );
    return tf.neg(tf.sum<tf.Scalar>(tf.mul(picked, tf.tensor1d(batch.lossMask))));
  }

  /** Current LoRA factors, copied out of the backend, keyed `<layer>.<target>.A|B`. */
  readLora(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [key, variable] of this.variables) out.set(key, Float32Array.from(variable.dataSync()));
    return out;
  }

  writeLora(values: Map<string, Float32Array>): void {
    for (const [key, variable] of this.variables) {
      const value = values.get(key);
      if (!value || value.length !== variable.size) throw new Error(`LoRA state lacks a fitting ${key}`);
      tf.tidy(() => variable.assign(tf.tensor(value, variable.shape)));
    }
  }

  /** The factors in the inference node's adapter orientation (a [in, r], b [r, out]). */
  loraModules(values = this.readLora()): LoraModule[] {
    const modules: LoraModule[] = [];
    for (let l = 0; l < this.llama.numLayers; l++) {
      for (const target of this.lora.targets) {
        const [inDim, outDim] = projectionShape(this.llama, target);
        const a = values.get(`${loraKey(l, target)}.A`) as Float32Array;
        const b = values.get(`${loraKey(l, target)}.B`) as Float32Array;
        modules.push({ layer: l, target, inDim, outDim, rank: this.lora.rank, a, b });
      }
    }
    return modules;
  }

  dispose(): void {
    tf.dispose([this.embed, this.finalNorm, this.lmHead]);
    for (const layer of this.layers) {
      tf.dispose([layer.inputNorm, layer.postAttentionNorm, ...Object.values(layer.proj)]);
    }
    for (const variable of this.variables.values()) variable.dispose();
  }
}

function ropeTables(llama: LlamaConfig, length: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const d = headDim(llama);
  const cos = new Float32Array(length * d);
  const sin = new Float32Array(length * d);
  for (let pos = 0; pos < length; pos++) {
    for (let i = 0; i < d; i++) {
      // Same float32 arithmetic as the graph: inv_freq in f32, times the position in f32.
      const invFreq = Math.fround(1 / llama.ropeTheta ** ((2 * (i % (d / 2))) / d));
      const angle = Math.fround(pos * invFreq);
      cos[pos * d + i] = Math.cos(angle);
      sin[pos * d + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [length, d]), sin: tf.tensor2d(sin, [length, d]) };
}

function causalBias(length: number): tf.Tensor2D {
  const bias = new Float32Array(length * length);
  for (let i = 0; i < length; i++) for (let j = i + 1; j < length; j++) bias[i * length + j] = -1e9;
  return tf.tensor2d(bias, [length, length]);
}

/** The inverse of `loraModules`: trainer state keyed `<layer>.<target>.A|B`. */
export function loraStateOf(modules: readonly LoraModule[]): Map<string, Float32Array> {
  const state = new Map<string, Float32Array>();
  for (const m of modules) {
    state.set(`${loraKey(m.layer, m.target)}.A`, m.a);
    state.set(`${loraKey(m.layer, m.target)}.B`, m.b);
  }
  return state;
}
