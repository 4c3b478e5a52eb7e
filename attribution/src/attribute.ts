import type { Attribution } from "@payable-ai/sdk";
import { toBasisPoints } from "./basisPoints.js";
import type { Bm25Index, RetrievedPassage } from "./bm25.js";
import { AttributionError } from "./errors.js";
import { ragAttribution, stripCitations } from "./rag.js";
import { spanAttribution } from "./spanAttribution.js";
import {
  defaultSpanSearchOptions,
  type MatchedSpan,
  type SpanIndex,
  type SpanSearchOptions,
} from "./spanIndex.js";
import { ATTRIBUTION_VERSION } from "./version.js";

export type AttributionOptions = SpanSearchOptions & {
  /** The InferenceMarket's `maxAttributions`. */
  maxAttributions: number;
  /** Share of the data weight given to citations when both parts are present. */
  ragShare: number;
};

export const defaultAttributionOptions: AttributionOptions = {
  ...defaultSpanSearchOptions,
  maxAttributions: 32,
  ragShare: 0.5,
};

export type AttributionInput = {
  /** The model's answer. */
  output: string;
  /** Index over the model's training manifest; omit when the model has none. */
  spanIndex?: SpanIndex;
  /** Retrieval context, when the model answered with RAG. */
  rag?: { index: Bm25Index; passages: readonly RetrievedPassage[]; citedContributionIds?: readonly bigint[] };
  options?: Partial<AttributionOptions>;
};

export type AttributionResult = {
  attributionVersion: number;
  /** Ascending by contribution id, weights in basis points, sum ≤ 10 000. */
  attributions: Attribution[];
  /** Fraction of the answer each contribution explains before rounding. */
  fractions: Map<bigint, number>;
  spans: MatchedSpan[];
  outputTokens: number;
};

/**
 * Proof of Attribution, version {@link ATTRIBUTION_VERSION}. The span part credits
 * each contribution with the share of output tokens it covers; the RAG part with
 * its citation weight. When both credit someone, the final fraction is
 * `(1 − ragShare) · span + ragShare · rag`; otherwise the one that does. The
 * fractions become basis points by {@link toBasisPoints}; the rest of the data
 * share is unattributed (paid to the datanets' owners on-chain).
 */
export function computeAttribution(input: AttributionInput): AttributionResult {
  const options = { ...defaultAttributionOptions, ...input.options };
  if (!(options.ragShare >= 0 && options.ragShare <= 1)) {
    throw new AttributionError(`ragShare must be in [0, 1], got ${options.ragShare}`);
  }
  let spanFractions: Map<bigint, number> | undefined;
  let spans: MatchedSpan[] = [];
  let outputTokens = 0;
  if (input.spanIndex !== undefined) {
    // Citation markers are not content: with RAG they would dilute the span part.
    const text = input.rag === undefined ? input.output : stripCitations(input.output);
    const result = spanAttribution(input.spanIndex, text, options);
    spans = result.spans;
    outputTokens = result.outputTokens;
    spanFractions = new Map();
    for (const [id, covered] of result.coveredTokens) spanFractions.set(id, covered / result.outputTokens);
  }
  const ragFractions =
    input.rag === undefined ? undefined : ragAttribution({ ...input.rag, answer: input.output });

  let fractions: Map<bigint, number>;
  // A part that credits nobody (no span matched, nothing cited) leaves the whole weight to the other.
  if (
    spanFractions !== undefined &&
    spanFractions.size > 0 &&
    ragFractions !== undefined &&
    ragFractions.size > 0
  ) {
    fractions = new Map();
    const ids = new Set([...spanFractions.keys(), ...ragFractions.keys()]);
    for (const id of ids) {
      const f =
        (1 - options.ragShare) * (spanFractions.get(id) ?? 0) +
        options.ragShare * (ragFractions.get(id) ?? 0);
      fractions.set(id, f);
    }
  } else {
    fractions = spanFractions?.size ? spanFractions : (ragFractions ?? new Map());
  }
  return {
    attributionVersion: ATTRIBUTION_VERSION,
    attributions: toBasisPoints(fractions, options.maxAttributions),
    fractions,
    spans,
    outputTokens,
  };
}
