import { describe, expect, it } from "vitest";
import { computeAttribution } from "../src/attribute.js";
import { serializeAttributions } from "../src/basisPoints.js";
import { Bm25Index } from "../src/bm25.js";
import { SpanIndexBuilder } from "../src/spanIndex.js";
import { seededCorpus } from "../src/testing.js";
import { ATTRIBUTION_VERSION } from "../src/version.js";

/**
 * Regression vector of attribution version 1 on a seeded corpus of 300
 * contributions. The hand-computed cases in the other files prove the rules; this
 * one pins their combination, so any change of output (which must come with a new
 * ATTRIBUTION_VERSION) fails here first.
 */
function scenario(reverse: boolean) {
  const { random, word, docs } = seededCorpus(7, 300, 400);
  const ordered = reverse ? [...docs].reverse() : docs;
  const builder = new SpanIndexBuilder();
  for (const d of ordered) builder.add(d.id, d.words.join(" "));
  const spanIndex = builder.build();
  const bm25 = new Bm25Index(
    ordered.map((d) => ({ contributionId: d.id, text: d.words.join(" "), uri: `gw://${d.id}` })),
  );
  const parts: string[] = [];
  for (let k = 0; k < 6; k++) {
    const d = docs[Math.floor(random() * docs.length)] as (typeof docs)[number];
    const at = Math.floor(random() * 5);
    parts.push(...d.words.slice(at, at + 9 + Math.floor(random() * 10)));
    for (let j = 0; j < 5; j++) parts.push(word());
  }
  const output = parts.join(" ");
  const passages = bm25.retrieve(parts.slice(0, 12).join(" "), 5);
  return { output, spanIndex, bm25, passages };
}

describe(`attribution v${ATTRIBUTION_VERSION} regression vector`, () => {
  it("gives the recorded span-only result, identically for either insertion order", () => {
    for (const reverse of [false, true]) {
      const { output, spanIndex } = scenario(reverse);
      const result = computeAttribution({ output, spanIndex });
      expect(serializeAttributions(result.attributions)).toBe(
        '[["1266",1468],["1595",1192],["1791",1284],["1945",826],["2134",826],["2554",1651]]',
      );
    }
  });

  it("gives the recorded span + RAG result with a cap of five entries", () => {
    const { output, spanIndex, bm25, passages } = scenario(false);
    expect(passages.map((p) => p.contributionId)).toEqual([1791n, 2708n, 1868n, 2519n, 2470n]);
    const run = () =>
      computeAttribution({
        output: `${output} [1] [3]`,
        spanIndex,
        rag: { index: bm25, passages },
        options: { maxAttributions: 5 },
      });
    const first = run();
    expect(first.spans).toHaveLength(6);
    expect(serializeAttributions(first.attributions)).toBe(
      '[["1266",734],["1595",596],["1791",1470],["1945",413],["2554",825]]',
    );
    expect(serializeAttributions(run().attributions)).toBe(serializeAttributions(first.attributions));
  });
});
