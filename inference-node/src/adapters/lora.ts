import type { LoraTarget } from "../model/config.js";
import type { LlamaWeights } from "../model/weights.js";

/** One adapted projection, oriented for `x @ a @ b`: a = lora_A.weightᵀ [in, r], b = lora_B.weightᵀ [r, out]. */
export interface LoraModule {
  layer: number;
  target: LoraTarget;
  inDim: number;
  outDim: number;
  rank: number;
  a: Float32Array;
  b: Float32Array;
}

/** An adapter ready for the slot bank: delta(x) = scale · x @ a @ b on each module. */
export interface LoraAdapter {
  id: string;
  rank: number;
  scale: number;
  modules: LoraModule[];
  /** Bytes held by the tensors, counted against the cache budget. */
  bytes: number;
  /** sha256 of the package it was read from, when it came through the registry. */
  sha256?: string;
}

export function moduleKey(layer: number, target: LoraTarget): string {
  return `${layer}.${target}`;
}

export function adapterBytes(modules: LoraModule[]): number {
  let total = 0;
  for (const m of modules) total += m.a.byteLength + m.b.byteLength;
  return total;
}

/**
 * Linear merge of several adapters into one: the rank dimensions are concatenated and each part's
 * weight and scale folded into its rows of b, so the result is exactly Σ wᵢ·scaleᵢ·aᵢbᵢ.
 */
/**
 * Largest |weight| of one adapter in a linear merge. Far above any useful blend, far below what
 * overflows float32 (a weight of 1e308 turns the bank into Infinity and the logits into NaN).
 */
export const MAX_MERGE_WEIGHT = 100;

export function mergeAdaptersLinear(
  id: string,
  parts: { adapter: LoraAdapter; weight: number }[],
): LoraAdapter {
  const keys = new Map<string, { layer: number; target: LoraTarget; inDim: number; outDim: number }>();
  for (const { adapter } of parts) {
    for (const m of adapter.modules) {
      keys.set(moduleKey(m.layer, m.target), {
        layer: m.layer,
        target: m.target,
        inDim: m.inDim,
        outDim: m.outDim,
      });
    }
  }
  const rank = parts.reduce((sum, p) => sum + p.adapter.rank, 0);
  const modules: LoraModule[] = [];
  for (const { layer, target, inDim, outDim } of keys.values()) {
    const a = new Float32Array(inDim * rank);
    const b = new Float32Array(rank * outDim);
    let offset = 0;
    for (const { adapter, weight } of parts) {
      const m = adapter.modules.find((x) => x.layer === layer && x.target === target);
      if (m) {
        const factor = weight * adapter.scale;
        for (let i = 0; i < inDim; i++) {
          for (let r = 0; r < m.rank; r++) a[i * rank + offset + r] = m.a[i * m.rank + r] as number;
        }
        for (let r = 0; r < m.rank; r++) {
          for (let o = 0; o < outDim; o++)
            b[(offset + r) * outDim + o] = factor * (m.b[r * outDim + o] as number);
        }
      }
      offset += adapter.rank;
    }
    modules.push({ layer, target, inDim, outDim, rank, a, b });
  }
  return { id, rank, scale: 1, modules, bytes: adapterBytes(modules) };
}

/** Returns a copy of the weights with `factor · scale · a @ b` added to every adapted projection. */
export function mergeAdapterIntoWeights(
  weights: LlamaWeights,
  adapter: LoraAdapter,
  factor = 1,
): LlamaWeights {
  const layers = weights.layers.map((layer) => ({ ...layer, proj: { ...layer.proj } }));
  for (const m of adapter.modules) {
    const layer = layers[m.layer];
    if (!layer) throw new Error(`adapter ${adapter.id} targets missing layer ${m.layer}`);
    const merged = Float32Array.from(layer.proj[m.target]);
    addLowRankInPlace(merged, m, factor * adapter.scale);
    layer.proj[m.target] = merged;
  }
  return { ...weights, layers };
}

/** w[in, out] += factor · a[in, r] @ b[r, out] */
export function addLowRankInPlace(w: Float32Array, m: LoraModule, factor: number): void {
  const { inDim, outDim, rank, a, b } = m;
  for (let i = 0; i < inDim; i++) {
    const rowOffset = i * outDim;
    for (let r = 0; r < rank; r++) {
      const coefficient = factor * (a[i * rank + r] as number);
      if (coefficient === 0) continue;
      const bOffset = r * outDim;
      for (let o = 0; o < outDim; o++)
        w[rowOffset + o] = (w[rowOffset + o] as number) + coefficient * (b[bOffset + o] as number);
    }
  }
}
