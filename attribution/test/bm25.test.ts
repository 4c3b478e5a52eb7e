import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Bm25Index } from "../src/bm25.js";

/** Small vocabularies, skewed towards a few words, so that scores tie and lists overlap. */
const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "b", "c") },
  { weight: 3, arbitrary: fc.constantFrom("d", "e", "f", "g", "h") },
  { weight: 1, arbitrary: fc.constantFrom("i", "j", "k", "l", "m", "n", "o", "p") },
);
const text = fc.array(word, { minLength: 0, maxLength: 12 }).map((w) => w.join(" "));

describe("Bm25Index.retrieve (MaxScore)", () => {
  it("returns exactly the exhaustive top k: same passages, scores and tie order", () => {
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 0, maxLength: 60 }),
        fc.array(text, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 12 }),
        (texts, queries, k) => {
          // Ids out of order and sparse, as accepted contributions are.
          const index = new Bm25Index(
            texts.map((t, i) => ({
              contributionId: BigInt((i * 37) % 101) + BigInt(i * 101),
              text: t,
              uri: `u${i}`,
            })),
          );
          for (const q of queries) expect(index.retrieve(q, k)).toEqual(index.retrieveExhaustive(q, k));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("agrees on duplicated passages, where every score ties", () => {
    const index = new Bm25Index(
      Array.from({ length: 50 }, (_, i) => ({
        contributionId: BigInt(50 - i),
        text: "river nile river",
        uri: "",
      })),
    );
    const top = index.retrieve("nile river", 5);
    expect(top).toEqual(index.retrieveExhaustive("nile river", 5));
    expect(top.map((p) => p.contributionId)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it("agrees on a larger Zipf-like corpus for several k", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const zipf = () => `w${Math.floor(1 / (next() + 0.002))}`;
    const passages = Array.from({ length: 3000 }, (_, i) => ({
      contributionId: BigInt(i + 1),
      text: Array.from({ length: 5 + Math.floor(next() * 30) }, zipf).join(" "),
      uri: "",
    }));
    const index = new Bm25Index(passages);
    for (let q = 0; q < 50; q++) {
      const query = Array.from({ length: 2 + (q % 12) }, zipf).join(" ");
      for (const k of [1, 3, 8, 40])
        expect(index.retrieve(query, k)).toEqual(index.retrieveExhaustive(query, k));
    }
  });

  it("rejects a k that is not a non-negative integer", () => {
    const index = new Bm25Index([{ contributionId: 1n, text: "a", uri: "" }]);
    expect(() => index.retrieve("a", -1)).toThrow(/non-negative integer/);
    expect(() => index.retrieve("a", 1.5)).toThrow(/non-negative integer/);
  });
});
