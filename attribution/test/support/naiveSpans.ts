/**
 * Reference implementation of maximal-span search by brute force, used as the
 * oracle for the suffix-array engine in tests and in the benchmark.
 */
export type NaiveSpan = { start: number; end: number; occurrences: number; contributionIds: bigint[] };

export function naiveMaximalSpans(
  docs: readonly { id: bigint; tokens: readonly string[] }[],
  query: readonly string[],
  minSpanTokens: number,
  maxSpanOccurrences: number,
): NaiveSpan[] {
  const occurrencesOf = (start: number, length: number): { count: number; ids: Set<bigint> } => {
    let count = 0;
    const ids = new Set<bigint>();
    for (const doc of docs) {
      for (let p = 0; p + length <= doc.tokens.length; p++) {
        let j = 0;
        while (j < length && doc.tokens[p + j] === query[start + j]) j++;
        if (j === length) {
          count++;
          ids.add(doc.id);
        }
      }
    }
    return { count, ids };
  };
  const spans: NaiveSpan[] = [];
  let lastEnd = 0;
  for (let i = 0; i < query.length; i++) {
    let m = 0;
    while (i + m < query.length && occurrencesOf(i, m + 1).count > 0) m++;
    const end = i + m;
    if (end > lastEnd && m >= minSpanTokens) {
      const { count, ids } = occurrencesOf(i, m);
      spans.push({
        start: i,
        end,
        occurrences: count,
        contributionIds:
          count > maxSpanOccurrences ? [] : [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      });
    }
    if (end > lastEnd) lastEnd = end;
  }
  return spans;
}
