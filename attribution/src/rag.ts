import type { Bm25Index, RetrievedPassage } from "./bm25.js";
import { tokenize } from "./tokenizer.js";

const CITATION = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/**
 * The prompt given to a RAG model: numbered passages, then the question, with
 * the instruction to cite passages as `[n]`. Passage `n` is `passages[n - 1]`.
 */
export function buildRagPrompt(question: string, passages: readonly RetrievedPassage[]): string {
  const context = passages.map((p, i) => `[${i + 1}] ${p.text.replace(/\s+/g, " ").trim()}`).join("\n");
  return [
    "Answer the question using the numbered passages. Cite every passage you use as [n].",
    "",
    "Passages:",
    context,
    "",
    `Question: ${question.trim()}`,
    "Answer:",
  ].join("\n");
}

/** The answer without its `[n]` citation markers, which are not content. */
export function stripCitations(answer: string): string {
  return answer.replace(CITATION, " ");
}

/** {@link stripCitations} keeping every other character in place: the markers become spaces. */
export function blankCitations(answer: string): string {
  return answer.replace(CITATION, (marker) => " ".repeat(marker.length));
}

/** Contribution ids cited as `[n]` or `[n, m]` in `answer`, ascending; out-of-range numbers are ignored. */
export function parseCitations(answer: string, passages: readonly RetrievedPassage[]): bigint[] {
  const cited = new Set<bigint>();
  for (const match of answer.matchAll(CITATION)) {
    for (const part of (match[1] as string).split(",")) {
      const n = Number(part.trim());
      const passage = passages[n - 1];
      if (passage !== undefined && n >= 1) cited.add(passage.contributionId);
    }
  }
  return [...cited].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export type RagAttributionInput = {
  index: Bm25Index;
  /** The passages that were placed in the prompt, in prompt order. */
  passages: readonly RetrievedPassage[];
  answer: string;
  /** Cited contributions; parsed from `answer` when omitted. */
  citedContributionIds?: readonly bigint[];
};

/**
 * Citation weighting. Let `A` be the answer's distinct words (citation markers
 * removed) and `idf` the index's word weights. A cited passage `c` overlaps the
 * answer by `o(c) = idf(A ∩ words(c)) / idf(A)` and scores `r(c) = score(c) / max
 * cited score`. The cited passages together explain `u = idf(A ∩ ∪ words(c)) /
 * idf(A)` of the answer, shared in proportion to `r(c) · o(c)`. Returns fractions
 * of the answer per contribution, summing to `u ≤ 1`.
 */
export function ragAttribution(input: RagAttributionInput): Map<bigint, number> {
  const { index, passages, answer } = input;
  const citedIds = [...(input.citedContributionIds ?? parseCitations(answer, passages))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const weights = new Map<bigint, number>();
  const answerTerms = [...new Set(tokenize(stripCitations(answer)))].sort();
  if (answerTerms.length === 0 || citedIds.length === 0) return weights;

  const idf = new Map(answerTerms.map((t) => [t, index.idf(t)] as const));
  let answerWeight = 0;
  for (const t of answerTerms) answerWeight += idf.get(t) as number;

  const byId = new Map(passages.map((p) => [p.contributionId, p] as const));
  const cited: { id: bigint; score: number; overlap: number }[] = [];
  const explained = new Set<string>();
  let maxScore = 0;
  for (const id of citedIds) {
    const passage = byId.get(id);
    const terms = index.termsOf(id);
    if (passage === undefined || terms === undefined) continue;
    let overlap = 0;
    for (const t of answerTerms) {
      if (terms.has(t)) {
        overlap += idf.get(t) as number;
        explained.add(t);
      }
    }
    cited.push({ id, score: passage.score, overlap: overlap / answerWeight });
    if (passage.score > maxScore) maxScore = passage.score;
  }
  if (maxScore <= 0) return weights;

  let explainedWeight = 0;
  for (const t of answerTerms) if (explained.has(t)) explainedWeight += idf.get(t) as number;
  const share = explainedWeight / answerWeight;
  let rawTotal = 0;
  const raw = cited.map((c) => (c.score / maxScore) * c.overlap);
  for (const r of raw) rawTotal += r;
  if (rawTotal <= 0) return weights;
  cited.forEach((c, i) => {
    const r = raw[i] as number;
    if (r > 0) weights.set(c.id, (share * r) / rawTotal);
  });
  return weights;
}

/** Retrieves the top `k` passages for `question` and builds the prompt that numbers them. */
export function prepareRag(
  index: Bm25Index,
  question: string,
  k: number,
): { passages: RetrievedPassage[]; prompt: string } {
  const passages = index.retrieve(question, k);
  return { passages, prompt: buildRagPrompt(question, passages) };
}
