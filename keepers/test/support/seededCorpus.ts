/** A small seeded corpus generator (mulberry32 + Zipf-like word choice) for known-answer vectors. */
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

export function seededCorpus(seed: number, contributions: number, vocabulary: number) {
  const random = seededRandom(seed);
  const word = () => `w${Math.floor(vocabulary * random() ** 3)}`;
  const docs = Array.from({ length: contributions }, (_, i) => ({
    id: BigInt(1000 + i * 7),
    words: Array.from({ length: 10 + Math.floor(random() * 30) }, word),
  }));
  return { random, word, docs };
}
