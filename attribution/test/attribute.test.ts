import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeAttribution } from "../src/attribute.js";
import { serializeAttributions } from "../src/basisPoints.js";
import { Bm25Index } from "../src/bm25.js";
import { SpanIndexBuilder } from "../src/spanIndex.js";
import { ATTRIBUTION_VERSION } from "../src/version.js";

const training = [
  { id: 101n, text: "Datanets let communities curate data for specialised models and share the rewards." },
  { id: 102n, text: "Each inference pays the contributors whose data shaped the answer." },
  { id: 103n, text: "Keepers sign attribution reports and post them to the inference market." },
];

function spanIndexOf(entries = training) {
  const builder = new SpanIndexBuilder();
  for (const e of entries) builder.add(e.id, e.text);
  return builder.build();
}

describe("computeAttribution", () => {
  it("attributes a 20-token answer copied from two contributions (known answer)", () => {
    const output =
      "each inference pays the contributors whose data shaped the answer, and keepers sign attribution reports";
    const result = computeAttribution({ output, spanIndex: spanIndexOf(), options: { minSpanTokens: 4 } });
    // 10 tokens from 102, 4 from 103, "and" unmatched: quotas 6666.67 + 2666.67 = 9333.33 → 9333 points,
    // the leftover point breaks an exact tie of remainders toward the lower id.
    expect(result.outputTokens).toBe(15);
    expect(result.attributionVersion).toBe(ATTRIBUTION_VERSION);
    expect(result.attributions).toEqual([
      { contributionId: 102n, weightBps: 6667 },
      { contributionId: 103n, weightBps: 2666 },
    ]);
  });

  it("mixes span and RAG parts by ragShare", () => {
    const bm25 = new Bm25Index(
      training.map((t) => ({ contributionId: t.id, text: t.text, uri: `blob://${t.id}` })),
    );
    const passages = bm25.retrieve("who signs attribution reports", 2);
    expect(passages[0]?.contributionId).toBe(103n);
    const output = "keepers sign attribution reports and post them to the inference market [1]";
    const result = computeAttribution({
      output,
      spanIndex: spanIndexOf(),
      rag: { index: bm25, passages },
      options: { minSpanTokens: 4, ragShare: 0.25 },
    });
    // Span: all 11 words are from 103 (the citation marker is not content). RAG: all in passage 1.
    expect(result.attributions).toEqual([{ contributionId: 103n, weightBps: 10_000 }]);
    const noMarkers = computeAttribution({ output, spanIndex: spanIndexOf(), options: { minSpanTokens: 4 } });
    // Without RAG the "1" is an ordinary, unmatched 12th token: 11/12 = 9166.67 points, floored.
    expect(noMarkers.attributions).toEqual([{ contributionId: 103n, weightBps: 9166 }]);
  });

  it("leaves the whole weight to the part that credits someone", () => {
    const bm25 = new Bm25Index(
      training.map((t) => ({ contributionId: t.id, text: t.text, uri: `blob://${t.id}` })),
    );
    const passages = bm25.retrieve("who signs attribution reports", 2);
    const copied = "keepers sign attribution reports and post them to the inference market";
    // Nothing cited: the span part alone.
    const uncited = computeAttribution({
      output: copied,
      spanIndex: spanIndexOf(),
      rag: { index: bm25, passages },
      options: { minSpanTokens: 4 },
    });
    expect(uncited.attributions).toEqual([{ contributionId: 103n, weightBps: 10_000 }]);
    // No span of 4 words matches: the citation part alone ("sign" and "reports" are in passage 1).
    const paraphrase = computeAttribution({
      output: "they sign the reports [1]",
      spanIndex: spanIndexOf(),
      rag: { index: bm25, passages },
      options: { minSpanTokens: 4 },
    });
    expect(paraphrase.spans).toEqual([]);
    expect(paraphrase.attributions.map((a) => a.contributionId)).toEqual([103n]);
    expect(paraphrase.attributions[0]?.weightBps).toBeGreaterThan(5_000);
  });

  it("returns nothing for an answer with no match and refuses a bad ragShare", () => {
    expect(
      computeAttribution({ output: "nothing here matches", spanIndex: spanIndexOf() }).attributions,
    ).toEqual([]);
    expect(computeAttribution({ output: "" }).attributions).toEqual([]);
    expect(() => computeAttribution({ output: "x", options: { ragShare: 2 } })).toThrow(/ragShare/);
  });

  it("is byte-identical across runs and insertion orders, and obeys the cap", () => {
    const sentence = fc.array(fc.constantFrom("alpha", "beta", "gamma", "delta", "epsilon", "zeta"), {
      minLength: 5,
      maxLength: 25,
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.bigInt({ min: 1n, max: 10_000n }), { minLength: 1, maxLength: 12 }),
        fc.array(sentence, { minLength: 12, maxLength: 12 }),
        fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 1, max: 6 }),
        (ids, texts, shuffle, maxAttributions) => {
          const entries = ids.map((id, i) => ({ id, text: (texts[i] as string[]).join(" ") }));
          const shuffled = entries
            .map((e, i) => ({ e, k: shuffle[i] as number }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.e);
          const output = texts.slice(0, 3).flat().join(" ");
          const options = { minSpanTokens: 3, maxAttributions };
          const a = computeAttribution({ output, spanIndex: spanIndexOf(entries), options });
          const b = computeAttribution({ output, spanIndex: spanIndexOf(shuffled), options });
          expect(serializeAttributions(b.attributions)).toBe(serializeAttributions(a.attributions));
          expect(a.attributions.length).toBeLessThanOrEqual(maxAttributions);
          expect(a.attributions.reduce((s, x) => s + x.weightBps, 0)).toBeLessThanOrEqual(10_000);
        },
      ),
      { numRuns: 150 },
    );
  });
});
