/** Deterministic 32-bit generator (mulberry32): the same seed gives the same weights on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives a child seed from a seed and a label, so each tensor has its own stream. */
export function deriveSeed(seed: number, label: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Fills a tensor with seeded values of the given mean and standard deviation (uniform on
 * mean ± std·√3: the shape of the distribution does not matter for generated test models).
 */
export function randomWeights(length: number, std: number, seed: number, mean = 0): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(length);
  const width = 2 * std * Math.sqrt(3);
  const low = mean - std * Math.sqrt(3);
  for (let i = 0; i < length; i++) out[i] = low + width * next();
  return out;
}
