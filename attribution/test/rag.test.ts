import { describe, expect, it } from "vitest";
import { BM25_B, BM25_K1, Bm25Index, type Passage } from "../src/bm25.js";
import { buildRagPrompt, parseCitations, prepareRag, ragAttribution } from "../src/rag.js";

const passages: Passage[] = [
  { contributionId: 10n, text: "Solar panels convert sunlight into electricity.", uri: "ipfs://a" },
  {
    contributionId: 20n,
    text: "Wind turbines convert wind into electricity on windy hills.",
    uri: "ipfs://b",
  },
  { contributionId: 30n, text: "Bread is baked from flour, water and yeast.", uri: "ipfs://c" },
  { contributionId: 40n, text: "Sunlight reaches the earth in eight minutes.", uri: "ipfs://d" },
];

describe("Bm25Index", () => {
  const index = new Bm25Index(passages);

  it("scores a one-word query by the BM25 formula", () => {
    const [hit, ...rest] = index.retrieve("yeast", 5);
    const idf = Math.log(1 + (4 - 1 + 0.5) / (1 + 0.5));
    const avg = (6 + 9 + 8 + 7) / 4;
    const expected = (idf * (1 * (BM25_K1 + 1))) / (1 + BM25_K1 * (1 - BM25_B + (BM25_B * 8) / avg));
    expect(hit?.contributionId).toBe(30n);
    expect(hit?.score).toBeCloseTo(expected, 12);
    expect(rest).toEqual([]);
  });

  it("ranks by score, ties by lower contribution id, and caps at k", () => {
    const ranked = index.retrieve("convert sunlight into electricity", 3);
    expect(ranked.map((p) => [p.contributionId, p.rank])).toEqual([
      [10n, 1],
      [20n, 2],
      [40n, 3],
    ]);
    expect(ranked[0]?.uri).toBe("ipfs://a");
    // "into" and "convert" appear in 10 and 20 alike with the same tf; a query of only those ties.
    const tied = new Bm25Index([
      { contributionId: 2n, text: "x y", uri: "" },
      { contributionId: 1n, text: "x y", uri: "" },
    ]).retrieve("x", 2);
    expect(tied.map((p) => p.contributionId)).toEqual([1n, 2n]);
    expect(tied[0]?.score).toBe(tied[1]?.score);
    expect(index.retrieve("electricity", 0)).toEqual([]);
  });

  it("selects the same top k by window (small k) as by full sort (large k)", () => {
    const many = Array.from({ length: 300 }, (_, i) => ({
      contributionId: BigInt(1000 - i),
      text: `alpha ${"beta ".repeat(i % 7)} gamma${i % 5} delta${i % 11}`,
      uri: "",
    }));
    const bm25 = new Bm25Index(many);
    const query = "alpha beta gamma3 delta7";
    const all = bm25.retrieve(query, 300);
    expect(all).toHaveLength(300);
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1], all[i]] as [(typeof all)[number], (typeof all)[number]];
      expect(a.score > b.score || (a.score === b.score && a.contributionId < b.contributionId)).toBe(true);
    }
    for (const k of [1, 5, 8, 32, 33]) expect(bm25.retrieve(query, k)).toEqual(all.slice(0, k));
  });

  it("is independent of insertion order", () => {
    const reversed = new Bm25Index([...passages].reverse());
    expect(reversed.retrieve("sunlight electricity wind", 4)).toEqual(
      index.retrieve("sunlight electricity wind", 4),
    );
  });

  it("refuses duplicate ids and a bad k", () => {
    expect(() => new Bm25Index([passages[0] as Passage, passages[0] as Passage])).toThrow(/added twice/);
    expect(() => index.retrieve("x", -1)).toThrow(/k must be/);
  });
});

describe("RAG prompt and citations", () => {
  const index = new Bm25Index(passages);

  it("numbers passages in the prompt and maps citations back to contributions", () => {
    const { passages: top, prompt } = prepareRag(index, "Which panels convert sunlight into electricity?", 3);
    expect(prompt).toContain("[1] Solar panels convert sunlight into electricity.");
    expect(prompt).toContain("Question: Which panels convert sunlight into electricity?");
    expect(parseCitations("Panels do it [1]; turbines too [2, 1]. See [9] and [0].", top)).toEqual([
      10n,
      20n,
    ]);
    expect(buildRagPrompt("q", [])).toContain("Passages:\n\n");
  });

  it("weights cited passages by score and overlap, ignoring uncited ones", () => {
    const top = index.retrieve("sunlight electricity", 3);
    const answer = "Solar panels convert sunlight into electricity [1].";
    const weights = ragAttribution({ index, passages: top, answer });
    expect([...weights.keys()]).toEqual([10n]);
    // Every answer word is in passage 1, so it explains the whole answer.
    expect(weights.get(10n)).toBeCloseTo(1, 12);

    expect(top.map((p) => p.contributionId)).toEqual([10n, 40n, 20n]);
    const answer2 = "Sunlight becomes electricity, and reaches the earth in eight minutes [1][2].";
    const both = ragAttribution({ index, passages: top, answer: answer2 });
    expect([...both.keys()]).toEqual([10n, 40n]);
    const w10 = both.get(10n) ?? 0;
    const w40 = both.get(40n) ?? 0;
    expect(w40).toBeGreaterThan(w10); // passage 2 supplies more of the answer's words
    expect(w10 + w40).toBeLessThan(1); // "becomes" and "and" are in no passage
  });

  it("credits nobody without citations or with unknown ids", () => {
    const top = index.retrieve("sunlight", 2);
    expect(ragAttribution({ index, passages: top, answer: "No idea." }).size).toBe(0);
    expect(
      ragAttribution({ index, passages: top, answer: "sunlight", citedContributionIds: [999n] }).size,
    ).toBe(0);
  });
});
