/**
 * Version of the attribution algorithm, carried in every `AttributionReport`.
 * Bump it whenever any rule below changes a single output byte: tokenizer,
 * span rules, BM25 parameters, citation weighting, rounding.
 */
export const ATTRIBUTION_VERSION = 1;
