/** Seeded synthetic corpora for the attribution engine's tests and benchmarks (and those of its users). */

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A corpus of `contributions` documents over `vocabulary` words (Zipf-like), for known-answer vectors. */
export function seededCorpus(seed: number, contributions: number, vocabulary: number) {
  const random = seededRandom(seed);
  const word = () => `w${Math.floor(vocabulary * random() ** 3)}`;
  const docs = Array.from({ length: contributions }, (_, i) => ({
    id: BigInt(1000 + i * 7),
    words: Array.from({ length: 10 + Math.floor(random() * 30) }, word),
  }));
  return { random, word, docs };
}

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
