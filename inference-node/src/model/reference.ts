import { headDim, type LlamaConfig } from "./config.js";
import type { LlamaWeights } from "./weights.js";

/**
 * Plain TypeScript forward pass of the Llama decoder over one sequence (positions 0..T-1, no cache).
 * It is the specification the ONNX graph is tested against; adapters enter as merged weights.
 * Returns logits [T, vocab].
 */
export function referenceForward(
  config: LlamaConfig,
  weights: LlamaWeights,
  tokens: number[],
): Float32Array[] {
  const h = config.hiddenSize;
  const d = headDim(config);
  const t = tokens.length;
  const groups = config.numHeads / config.numKvHeads;
  const kvWidth = config.numKvHeads * d;

  let x: Float64Array[] = tokens.map((token) => {
    if (token < 0 || token >= config.vocabSize) throw new Error(`token ${token} outside the vocabulary`);
    return Float64Array.from(weights.embedTokens.subarray(token * h, (token + 1) * h));
  });

  const invFreq = Array.from({ length: d / 2 }, (_, i) => 1 / config.ropeTheta ** ((2 * i) / d));
  const rope = (vec: Float64Array, offset: number, pos: number) => {
    const half = d / 2;
    const rotated = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const angle = pos * (invFreq[i % half] as number);
      const partner = i < half ? -(vec[offset + i + half] as number) : (vec[offset + i - half] as number);
      rotated[i] = (vec[offset + i] as number) * Math.cos(angle) + partner * Math.sin(angle);
    }
    vec.set(rotated, offset);
  };

  for (const layer of weights.layers) {
    const normed = x.map((row) => rmsNorm(row, layer.inputNorm, config.rmsNormEps));
    const q = normed.map((row) => matVec(row, layer.proj.q_proj, h, h));
    const k = normed.map((row) => matVec(row, layer.proj.k_proj, h, kvWidth));
    const v = normed.map((row) => matVec(row, layer.proj.v_proj, h, kvWidth));
    for (let pos = 0; pos < t; pos++) {
      for (let head = 0; head < config.numHeads; head++) rope(q[pos] as Float64Array, head * d, pos);
      for (let head = 0; head < config.numKvHeads; head++) rope(k[pos] as Float64Array, head * d, pos);
    }
    const context = Array.from({ length: t }, () => new Float64Array(h));
    for (let head = 0; head < config.numHeads; head++) {
      const kvHead = Math.floor(head / groups);
      for (let i = 0; i < t; i++) {
        const scores = new Float64Array(i + 1);
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) {
            dot +=
              ((q[i] as Float64Array)[head * d + c] as number) *
              ((k[j] as Float64Array)[kvHead * d + c] as number);
          }
          scores[j] = dot / Math.sqrt(d);
          max = Math.max(max, scores[j] as number);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          scores[j] = Math.exp((scores[j] as number) - max);
          sum += scores[j] as number;
        }
        const out = context[i] as Float64Array;
        for (let j = 0; j <= i; j++) {
          const p = (scores[j] as number) / sum;
          for (let c = 0; c < d; c++) {
            out[head * d + c] =
              (out[head * d + c] as number) + p * ((v[j] as Float64Array)[kvHead * d + c] as number);
          }
        }
      }
    }
    x = x.map((row, i) => add(row, matVec(context[i] as Float64Array, layer.proj.o_proj, h, h)));
    const normed2 = x.map((row) => rmsNorm(row, layer.postAttentionNorm, config.rmsNormEps));
    x = x.map((row, i) => {
      const inner = normed2[i] as Float64Array;
      const gate = matVec(inner, layer.proj.gate_proj, h, config.intermediateSize);
      const up = matVec(inner, layer.proj.up_proj, h, config.intermediateSize);
      for (let c = 0; c < gate.length; c++) {
        const g = gate[c] as number;
        gate[c] = (g / (1 + Math.exp(-g))) * (up[c] as number);
      }
      return add(row, matVec(gate, layer.proj.down_proj, config.intermediateSize, h));
    });
  }
  return x.map((row) => {
    const normed = rmsNorm(row, weights.finalNorm, config.rmsNormEps);
    return Float32Array.from(matVec(normed, weights.lmHead, h, config.vocabSize));
  });
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number): Float64Array {
  let sum = 0;
  for (const value of x) sum += value * value;
  const inv = 1 / Math.sqrt(sum / x.length + eps);
  return x.map((value, i) => value * inv * (weight[i] as number));
}

function matVec(x: Float64Array, w: Float32Array, inDim: number, outDim: number): Float64Array {
  const out = new Float64Array(outDim);
  for (let i = 0; i < inDim; i++) {
    const xi = x[i] as number;
    const offset = i * outDim;
    for (let o = 0; o < outDim; o++) out[o] = (out[o] as number) + xi * (w[offset + o] as number);
  }
  return out;
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((value, i) => value + (b[i] as number));
}
