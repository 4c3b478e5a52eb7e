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

/** Picks the next token from one row of logits. */
export function sampleToken(logits: Float32Array, params: SamplingParams, rng: () => number): number {
  if (!(params.temperature >= GREEDY_TEMPERATURE)) return argmax(logits);
  let candidates = Array.from(logits, (logit, token) => ({ token, logit: logit / params.temperature }));
  candidates.sort((a, b) => b.logit - a.logit || a.token - b.token);
  if (params.topK > 0) candidates = candidates.slice(0, params.topK);
  const max = (candidates[0] as { logit: number }).logit;
  const weights = candidates.map((c) => Math.exp(c.logit - max));
  const total = weights.reduce((a, b) => a + b, 0);
  let keep = candidates.length;
  if (params.topP < 1) {
    let mass = 0;
    for (let i = 0; i < candidates.length; i++) {
      mass += (weights[i] as number) / total;
      if (mass >= params.topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const kept = weights.slice(0, keep);
  const keptTotal = kept.reduce((a, b) => a + b, 0);
  let target = rng() * keptTotal;
  for (let i = 0; i < keep; i++) {
    target -= kept[i] as number;
    if (target <= 0) return (candidates[i] as { token: number }).token;
  }
  return (candidates[keep - 1] as { token: number }).token;
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
