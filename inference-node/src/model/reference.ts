import { type DecoderArchitecture, LLAMA_ARCHITECTURE, ropeInverseFrequencies } from "./architecture.js";
import { headDim, type LlamaConfig, type LoraTarget } from "./config.js";
import type { DecoderLayerWeights, DecoderWeights } from "./weights.js";

/**
 * Plain TypeScript forward pass of the decoder over one sequence (positions 0..T-1, no cache), with
 * each family's differences from Llama written out (biases, q/k norms, (1 + w) norms, embedding
 * scale, GeGLU, tied output, RoPE scaling). It is the specification the ONNX graph is tested
 * against; adapters enter as merged weights. Returns logits [T, vocab] (or only the last row).
 */
export function referenceForward(
  config: LlamaConfig,
  weights: DecoderWeights,
  tokens: number[],
  architecture: DecoderArchitecture = LLAMA_ARCHITECTURE,
  options: { lastOnly?: boolean } = {},
): Float32Array[] {
  const arch = architecture;
  const h = config.hiddenSize;
  const d = headDim(config);
  const t = tokens.length;
  const groups = config.numHeads / config.numKvHeads;
  const qWidth = config.numHeads * d;
  const kvWidth = config.numKvHeads * d;
  const eps = config.rmsNormEps;
  const norm = (row: Float64Array, w: Float32Array) => rmsNorm(row, w, eps, arch.normOffset);

  let x: Float64Array[] = tokens.map((token) => {
    if (token < 0 || token >= config.vocabSize) throw new Error(`token ${token} outside the vocabulary`);
    return Float64Array.from(
      weights.embedTokens.subarray(token * h, (token + 1) * h),
      (v) => v * arch.embeddingScale,
    );
  });
  const project = (
    row: Float64Array,
    layer: DecoderLayerWeights,
    target: LoraTarget,
    inDim: number,
    outDim: number,
  ) => {
    const out = matVec(row, layer.proj[target], inDim, outDim);
    if (!(arch.biases as readonly LoraTarget[]).includes(target)) return out;
    const bias = layer.bias?.[target];
    if (!bias) throw new Error(`${target} bias missing`);
    for (let o = 0; o < outDim; o++) out[o] = (out[o] as number) + (bias[o] as number);
    return out;
  };
  const normHeads = (row: Float64Array, heads: number, w: Float32Array | undefined) => {
    if (!arch.qkNorm) return;
    if (!w) throw new Error("q/k norm weights missing");
    for (let head = 0; head < heads; head++)
      row.set(norm(row.subarray(head * d, (head + 1) * d), w), head * d);
  };
  const activate = (g: number): number => {
    switch (arch.activation) {
      case "silu":
        return g / (1 + Math.exp(-g));
      case "gelu":
        return 0.5 * g * (1 + erf(g / Math.SQRT2));
      case "gelu_tanh":
        return 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g ** 3)));
    }
  };

  const invFreq = ropeInverseFrequencies(config, arch.ropeScaling);
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
    const normed = x.map((row) => norm(row, layer.inputNorm));
    const q = normed.map((row) => project(row, layer, "q_proj", h, qWidth));
    const k = normed.map((row) => project(row, layer, "k_proj", h, kvWidth));
    const v = normed.map((row) => project(row, layer, "v_proj", h, kvWidth));
    for (let pos = 0; pos < t; pos++) {
      normHeads(q[pos] as Float64Array, config.numHeads, layer.qNorm);
      normHeads(k[pos] as Float64Array, config.numKvHeads, layer.kNorm);
    }
    for (let pos = 0; pos < t; pos++) {
      for (let head = 0; head < config.numHeads; head++) rope(q[pos] as Float64Array, head * d, pos);
      for (let head = 0; head < config.numKvHeads; head++) rope(k[pos] as Float64Array, head * d, pos);
    }
    const context = Array.from({ length: t }, () => new Float64Array(qWidth));
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
    x = x.map((row, i) => add(row, project(context[i] as Float64Array, layer, "o_proj", qWidth, h)));
    const normed2 = x.map((row) => norm(row, layer.postAttentionNorm));
    x = x.map((row, i) => {
      const inner = normed2[i] as Float64Array;
      const gate = project(inner, layer, "gate_proj", h, config.intermediateSize);
      const up = project(inner, layer, "up_proj", h, config.intermediateSize);
      for (let c = 0; c < gate.length; c++) gate[c] = activate(gate[c] as number) * (up[c] as number);
      return add(row, project(gate, layer, "down_proj", config.intermediateSize, h));
    });
  }
  return (options.lastOnly ? x.slice(-1) : x).map((row) => {
    const normed = norm(row, weights.finalNorm);
    if (weights.lmHead) return Float32Array.from(matVec(normed, weights.lmHead, h, config.vocabSize));
    if (!arch.tiedEmbeddings) throw new Error("lm_head weights are missing and embeddings are not tied");
    // Tied output: logit of token v is the dot product with row v of the embedding matrix.
    const logits = new Float32Array(config.vocabSize);
    for (let token = 0; token < config.vocabSize; token++) {
      let dot = 0;
      for (let c = 0; c < h; c++)
        dot += (normed[c] as number) * (weights.embedTokens[token * h + c] as number);
      logits[token] = dot;
    }
    return logits;
  });
}

function rmsNorm(x: Float64Array, weight: Float32Array, eps: number, offset: number): Float64Array {
  let sum = 0;
  for (const value of x) sum += value * value;
  const inv = 1 / Math.sqrt(sum / x.length + eps);
  return x.map((value, i) => value * inv * (offset + (weight[i] as number)));
}

/** Error function to ~1e-13: its Maclaurin series below 3, the continued fraction of erfc above. */
function erf(x: number): number {
  const sign = Math.sign(x);
  const a = Math.abs(x);
  if (a < 3) {
    // Maclaurin series: 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = a;
    let sum = a;
    for (let n = 1; n < 60; n++) {
      term *= (-a * a) / n;
      sum += term / (2 * n + 1);
    }
    return (sign * 2 * sum) / Math.sqrt(Math.PI);
  }
  // Asymptotic continued fraction for erfc at large |x|.
  let fraction = 0;
  for (let n = 40; n >= 1; n--) fraction = n / 2 / (a + fraction);
  return sign * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + fraction));
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
