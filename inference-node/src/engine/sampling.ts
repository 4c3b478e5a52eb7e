import { mulberry32 } from "../model/random.js";

/**
 * Temperatures below this are greedy (as vLLM's sampling epsilon): dividing logits by a tiny or
 * subnormal temperature overflows to ±Infinity, and the softmax of that is NaN.
 */
export const GREEDY_TEMPERATURE = 1e-5;

export interface SamplingParams {
  /** 0 (or anything below GREEDY_TEMPERATURE) means greedy decoding. */
  temperature: number;
  /** Nucleus sampling mass in (0, 1]. */
  topP: number;
  /** Keep only the k most likely tokens; 0 disables. */
  topK: number;
  /** Seed for reproducible sampling; omitted means a random seed. */
  seed?: number;
}

export function createRng(seed?: number): () => number {
  return mulberry32(seed ?? Math.floor(Math.random() * 2 ** 32));
}

/**
 * Picks the next token from one row of logits. Only the candidates that top-k / top-p can keep are
 * ordered (a heap selection, widened until it holds the nucleus), never the whole vocabulary: with
 * 150k-token vocabularies a full sort per row and step would cost more than the forward pass.
 */
export function sampleToken(logits: Float32Array, params: SamplingParams, rng: () => number): number {
  if (!(params.temperature >= GREEDY_TEMPERATURE)) return argmax(logits);
  const vocab = logits.length;
  const inverseTemperature = 1 / params.temperature;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < vocab; i++) if ((logits[i] as number) > max) max = logits[i] as number;
  const weight = (token: number) => Math.exp(((logits[token] as number) - max) * inverseTemperature);
  const topK = params.topK > 0 ? Math.min(params.topK, vocab) : vocab;

  if (topK === vocab && params.topP >= 1) {
    // The whole distribution: no order is needed, walk it in token order.
    let total = 0;
    for (let i = 0; i < vocab; i++) total += weight(i);
    let target = rng() * total;
    for (let i = 0; i < vocab; i++) {
      target -= weight(i);
      if (target <= 0) return i;
    }
    return vocab - 1;
  }

  // Mass of the nucleus is relative to what top-k keeps (the whole vocabulary without top-k).
  let reference = 0;
  if (topK === vocab) for (let i = 0; i < vocab; i++) reference += weight(i);
  let width = topK < vocab ? topK : Math.min(vocab, NUCLEUS_START);
  while (true) {
    const candidates = topTokens(logits, width);
    const weights = Array.from(candidates, weight);
    const candidateMass = weights.reduce((a, b) => a + b, 0);
    const total = topK < vocab ? candidateMass : reference;
    let keep = candidates.length;
    let mass = 0;
    if (params.topP < 1) {
      keep = -1;
      for (let i = 0; i < candidates.length; i++) {
        mass += (weights[i] as number) / total;
        if (mass >= params.topP) {
          keep = i + 1;
          break;
        }
      }
      // The nucleus reaches past this selection: widen it (rounding can leave the last bit short).
      if (keep < 0 && width < vocab) {
        width = Math.min(vocab, width * 4);
        continue;
      }
      if (keep < 0) keep = candidates.length;
    }
    let keptTotal = 0;
    for (let i = 0; i < keep; i++) keptTotal += weights[i] as number;
    let target = rng() * keptTotal;
    for (let i = 0; i < keep; i++) {
      target -= weights[i] as number;
      if (target <= 0) return candidates[i] as number;
    }
    return candidates[keep - 1] as number;
  }
}

/** How many candidates a top-p selection starts with before widening. */
const NUCLEUS_START = 64;

/**
 * The `count` highest logits' tokens, best first (ties: lower token first), by a bounded min-heap:
 * O(vocab · log count) instead of sorting the vocabulary.
 */
export function topTokens(logits: Float32Array, count: number): Int32Array {
  const n = Math.min(count, logits.length);
  const heap = new Int32Array(n);
  // a is worse than b: lower logit, or equal logit and higher token.
  const worse = (a: number, b: number) =>
    (logits[a] as number) < (logits[b] as number) || (logits[a] === logits[b] && a > b);
  const siftDown = (start: number, size: number) => {
    let i = start;
    while (true) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < size && worse(heap[left] as number, heap[worst] as number)) worst = left;
      if (right < size && worse(heap[right] as number, heap[worst] as number)) worst = right;
      if (worst === i) return;
      const swap = heap[i] as number;
      heap[i] = heap[worst] as number;
      heap[worst] = swap;
      i = worst;
    }
  };
  for (let i = 0; i < n; i++) heap[i] = i;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i, n);
  for (let token = n; token < logits.length; token++) {
    if (worse(heap[0] as number, token)) {
      heap[0] = token;
      siftDown(0, n);
    }
  }
  // Pop the worst to the end repeatedly: the array ends best first.
  for (let size = n - 1; size > 0; size--) {
    const swap = heap[0] as number;
    heap[0] = heap[size] as number;
    heap[size] = swap;
    siftDown(0, size);
  }
  return heap;
}

/** True when every logit is a finite number (no NaN, no ±Infinity). */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}
