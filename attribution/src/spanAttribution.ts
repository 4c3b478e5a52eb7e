import {
  defaultSpanSearchOptions,
  type MatchedSpan,
  type SpanIndex,
  type SpanSearchOptions,
} from "./spanIndex.js";

export type SpanAttribution = {
  /** Number of output tokens. */
  outputTokens: number;
  /** Maximal spans found, ascending by start. */
  spans: MatchedSpan[];
  /** Output tokens credited to each contribution (fractional when shared), keyed by contribution id. */
  coveredTokens: Map<bigint, number>;
};

/**
 * Training-data attribution: every output token covered by a credited maximal
 * span is worth one unit, shared equally among the distinct contributions of all
 * credited spans covering it. A contribution that holds only a strict sub-span of
 * a longer match is not credited for it: the longer, more specific match wins.
 */
export function spanAttribution(
  index: SpanIndex,
  output: string,
  options: SpanSearchOptions = defaultSpanSearchOptions,
): SpanAttribution {
  const query = index.encode(output);
  const spans = index.maximalSpans(query, options);
  const credited = spans.filter((s) => s.contributionIds.length > 0);
  const coveredTokens = new Map<bigint, number>();
  // Spans ascend in both start and end, so the spans covering p form a sliding window.
  let first = 0;
  for (let p = 0; p < query.length; p++) {
    while (first < credited.length && (credited[first] as MatchedSpan).end <= p) first++;
    let holders: bigint[] | undefined;
    let shared: Set<bigint> | undefined;
    for (let s = first; s < credited.length && (credited[s] as MatchedSpan).start <= p; s++) {
      const ids = (credited[s] as MatchedSpan).contributionIds;
      if (holders === undefined) holders = ids;
      else {
        shared ??= new Set(holders);
        for (const id of ids) shared.add(id);
      }
    }
    if (holders === undefined) continue;
    const owners = shared === undefined ? holders : [...shared];
    const unit = 1 / owners.length;
    for (const id of owners) coveredTokens.set(id, (coveredTokens.get(id) ?? 0) + unit);
  }
  return { outputTokens: query.length, spans, coveredTokens };
}
