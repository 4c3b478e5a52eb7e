import { Bm25Index, parseCitations, prepareRag, type RetrievedPassage } from "@payable-ai/attribution";
import type { TrainingExample } from "../data/examples.js";

/**
 * The passages a fine-tuned model answers from: one per contribution of its training data (the
 * texts of its examples), retrieved with the keepers' BM25 so the playground cites as keepers do.
 */
export function contributionIndex(examples: readonly TrainingExample[]): Bm25Index {
  const byContribution = new Map<bigint, { texts: string[]; uri: string }>();
  for (const e of examples) {
    if (e.contributionId === undefined) continue;
    const entry = byContribution.get(e.contributionId) ?? {
      texts: [],
      uri: e.uri ?? `contribution:${e.contributionId}`,
    };
    entry.texts.push(`${e.prompt} ${e.response}`.trim());
    byContribution.set(e.contributionId, entry);
  }
  return new Bm25Index(
    [...byContribution].map(([contributionId, { texts, uri }]) => ({
      contributionId,
      text: texts.join("\n"),
      uri,
    })),
  );
}

export { parseCitations, prepareRag, type RetrievedPassage };
