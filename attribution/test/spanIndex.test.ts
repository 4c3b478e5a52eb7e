import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AttributionError } from "../src/errors.js";
import { spanAttribution } from "../src/spanAttribution.js";
import { SpanIndexBuilder, UNKNOWN_TOKEN } from "../src/spanIndex.js";
import { tokenize } from "../src/tokenizer.js";
import { naiveMaximalSpans } from "./support/naiveSpans.js";

const corpus = [
  { id: 7n, text: "The quick brown fox jumps over the lazy dog near the river bank." },
  { id: 3n, text: "A lazy dog sleeps all day in the warm sun by the river." },
  { id: 12n, text: "Rivers carry water from the mountains to the sea." },
];

function build(entries = corpus) {
  const builder = new SpanIndexBuilder();
  for (const { id, text } of entries) builder.add(id, text);
  return builder.build();
}

describe("SpanIndex", () => {
  it("finds the maximal spans of an answer that copies two contributions", () => {
    const index = build();
    const answer = "I saw the quick brown fox jumps over the lazy dog sleeps all day, said Ann.";
    const spans = index.maximalSpans(index.encode(answer), { minSpanTokens: 4, maxSpanOccurrences: 64 });
    const words = tokenize(answer);
    expect(spans.map((s) => [words.slice(s.start, s.end).join(" "), s.contributionIds])).toEqual([
      ["the quick brown fox jumps over the lazy dog", [7n]],
      ["lazy dog sleeps all day", [3n]],
    ]);
  });

  it("credits each covered token once, shared among the contributions covering it", () => {
    const index = build();
    const answer = "the quick brown fox jumps over the lazy dog sleeps all day";
    const result = spanAttribution(index, answer, { minSpanTokens: 4, maxSpanOccurrences: 64 });
    expect(result.outputTokens).toBe(12);
    // Tokens 0..8 come from 7, tokens 7..11 from 3: "lazy dog" (7, 8) is shared.
    expect([...result.coveredTokens].sort()).toEqual([
      [3n, 4],
      [7n, 8],
    ]);
  });

  it("lists every contribution holding a span, and none past the occurrence cap", () => {
    const index = build([
      { id: 1n, text: "open data pays its contributors fairly" },
      { id: 2n, text: "we think open data pays its contributors fairly" },
      {
        id: 3n,
        text: "open data pays its contributors fairly, twice: open data pays its contributors fairly",
      },
    ]);
    const query = index.encode("open data pays its contributors fairly");
    const [span] = index.maximalSpans(query, { minSpanTokens: 3, maxSpanOccurrences: 4 });
    expect(span).toEqual({ start: 0, end: 6, occurrences: 4, contributionIds: [1n, 2n, 3n] });
    const [capped] = index.maximalSpans(query, { minSpanTokens: 3, maxSpanOccurrences: 3 });
    expect(capped).toEqual({ start: 0, end: 6, occurrences: 4, contributionIds: [] });
  });

  it("never matches across the boundary of two contributions", () => {
    const index = build([
      { id: 1n, text: "alpha beta gamma" },
      { id: 2n, text: "delta epsilon zeta" },
    ]);
    const spans = index.maximalSpans(index.encode("beta gamma delta epsilon"), {
      minSpanTokens: 1,
      maxSpanOccurrences: 64,
    });
    expect(spans.map((s) => [s.start, s.end])).toEqual([
      [0, 2],
      [2, 4],
    ]);
  });

  it("maps unseen words to the unknown token, which matches nothing", () => {
    const index = build();
    expect([...index.encode("the zyzzyva")]).toEqual([index.vocabulary.get("the"), UNKNOWN_TOKEN]);
    expect(
      index.maximalSpans(index.encode("zyzzyva zyzzyva"), { minSpanTokens: 1, maxSpanOccurrences: 1 }),
    ).toEqual([]);
  });

  it("refuses duplicate ids, ids outside uint64 and a bad span length", () => {
    expect(() => new SpanIndexBuilder().add(1n, "a").add(1n, "b").build()).toThrow(/added twice/);
    expect(() => new SpanIndexBuilder().add(1n << 64n, "a")).toThrow(AttributionError);
    expect(() => new SpanIndexBuilder().add(-1n, "a")).toThrow(AttributionError);
    const spent = new SpanIndexBuilder().add(1n, "a");
    spent.build();
    expect(() => spent.build()).toThrow(/already built/);
    expect(() => spent.add(2n, "b")).toThrow(/already built/);
    expect(() =>
      build().maximalSpans(new Uint32Array(1), { minSpanTokens: 0, maxSpanOccurrences: 1 }),
    ).toThrow(/minSpanTokens/);
    expect(() =>
      build().maximalSpans(new Uint32Array(1), { minSpanTokens: 1, maxSpanOccurrences: 0 }),
    ).toThrow(/maxSpanOccurrences/);
  });

  it("builds an empty index that matches nothing", () => {
    const index = new SpanIndexBuilder().build();
    expect(index.contributionCount).toBe(0);
    expect(index.maximalSpans(index.encode("anything at all"))).toEqual([]);
  });

  it("agrees with a brute-force search on random corpora", () => {
    const word = fc.constantFrom("a", "b", "c", "d", "e");
    const doc = fc.array(word, { minLength: 0, maxLength: 30 });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 8 }),
        fc.array(doc, { minLength: 8, maxLength: 8 }),
        fc.array(word, { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (ids, texts, query, minSpanTokens, maxSpanOccurrences) => {
          const docs = ids.map((id, i) => ({ id, tokens: texts[i] as string[] }));
          const builder = new SpanIndexBuilder();
          for (const d of docs) builder.add(d.id, d.tokens.join(" "));
          const index = builder.build();
          const options = { minSpanTokens, maxSpanOccurrences };
          expect(index.maximalSpans(index.encode(query.join(" ")), options)).toEqual(
            naiveMaximalSpans(docs, query, minSpanTokens, maxSpanOccurrences),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with a brute-force search on answers that copy parts of contributions", () => {
    const word = fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l");
    const piece = fc.oneof(
      fc.array(word, { minLength: 1, maxLength: 6 }).map((words) => ({ words })),
      fc.record({ doc: fc.nat(), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 5, maxLength: 40 }), { minLength: 1, maxLength: 10 }),
        fc.array(piece, { maxLength: 8 }),
        fc.integer({ min: 1, max: 12 }),
        (texts, pieces, minSpanTokens) => {
          const docs = texts.map((tokens, i) => ({ id: BigInt(i * 3 + 1), tokens }));
          const query: string[] = [];
          for (const p of pieces) {
            if ("words" in p) query.push(...p.words);
            else {
              const tokens = (docs[p.doc % docs.length] as (typeof docs)[number]).tokens;
              const at = p.at % tokens.length;
              query.push(...tokens.slice(at, at + p.length));
            }
          }
          const builder = new SpanIndexBuilder();
          for (const d of docs) builder.add(d.id, d.tokens.join(" "));
          const index = builder.build();
          expect(
            index.maximalSpans(index.encode(query.join(" ")), { minSpanTokens, maxSpanOccurrences: 5 }),
          ).toEqual(naiveMaximalSpans(docs, query, minSpanTokens, 5));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("gives the same spans whatever the insertion order", () => {
    const forward = build(corpus);
    const backward = build([...corpus].reverse());
    const answer = "the quick brown fox jumps over the lazy dog sleeps all day in the warm sun";
    const options = { minSpanTokens: 3, maxSpanOccurrences: 64 };
    expect(backward.maximalSpans(backward.encode(answer), options)).toEqual(
      forward.maximalSpans(forward.encode(answer), options),
    );
    expect([...backward.contributionIds]).toEqual([3n, 7n, 12n]);
  });
});
