/** What both benchmarks share: Zipf-distributed synthetic text from a seed, and how results are printed. */

import { toJson } from "@payable-ai/sdk";
import { seededRandom } from "../test/support/seededCorpus.js";

const syllables = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "sa",
  "ti",
  "vo",
  "ze",
  "pa",
  "do",
  "gu",
  "he",
  "ji",
  "bo",
  "fe",
];

/**
 * A seeded generator of sentences over a synthetic vocabulary of `vocabulary` words, drawn
 * Zipf-distributed (s = 1.1) by inverse CDF. `random` is the stream it draws from, for callers
 * that need more random numbers in the same sequence.
 */
export function zipfText(seed: number, vocabulary: number) {
  const random = seededRandom(seed);
  const words = Array.from({ length: vocabulary }, (_, i) => {
    let w = "";
    for (let n = i + 1; n > 0; n = Math.floor(n / 16)) w += syllables[n % 16];
    return w;
  });
  const cdf = new Float64Array(vocabulary);
  let total = 0;
  for (let r = 0; r < vocabulary; r++) total += 1 / (r + 1) ** 1.1;
  let acc = 0;
  for (let r = 0; r < vocabulary; r++) {
    acc += 1 / (r + 1) ** 1.1 / total;
    cdf[r] = acc;
  }
  const word = (): string => {
    const u = random();
    let a = 0;
    let b = vocabulary - 1;
    while (a < b) {
      const m = (a + b) >>> 1;
      if ((cdf[m] as number) < u) a = m + 1;
      else b = m;
    }
    return words[a] as string;
  };
  return { random, sentence: (n: number): string[] => Array.from({ length: n }, word) };
}

export const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

export const fmt = (n: number, digits = 2): string =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** `global.gc` under `--expose-gc`, a no-op without it. */
export const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** JSON of results that hold bigints, for comparing two of them. */
export const stableJson = (value: unknown): string => toJson(value);
