/**
 * How a keeper turns a request into an answer. Every keeper must use the same values: a peer
 * rebuilds the retrieval context before it co-signs, so these are part of the attribution
 * recipe, not settings. The model is asked the request's input as one chat message (the node
 * applies its chat template); the passages BM25 retrieves for it are the citation context.
 */
export const answerRecipe = {
  /** Passages retrieved by BM25 over the model's datanets. */
  ragTopK: 4,
  /** Longest input, in UTF-8 bytes; a longer one is unanswerable. */
  maxPromptBytes: 384,
  /** Most tokens the model may generate. */
  maxOutputTokens: 96,
  /** Sampling: greedy, with a fixed seed, so a re-run gives the same output. */
  temperature: 0,
  seed: 0,
} as const;
