/** A run of the answer found verbatim in contributions (a keeper's span attribution). */
export type CitedSpan = { charStart: number; charEnd: number; contributionIds: readonly string[] };

/** A piece of the answer, followed by the numbers of the sources it is attributed to. */
export type CitedSegment = { text: string; marks: number[] };

/**
 * Numbers the attributed contributions `[1]`, `[2]`, ... in the order their spans first appear in
 * the answer; attributed contributions without a span (credited by a citation) come last, by id.
 * Contributions a span names but the report does not credit get no number.
 */
export function numberSources(
  attributed: readonly string[],
  spans: readonly CitedSpan[],
): Map<string, number> {
  const credited = new Set(attributed);
  const order: string[] = [];
  for (const span of [...spans].sort((a, b) => a.charStart - b.charStart || a.charEnd - b.charEnd))
    for (const id of span.contributionIds) if (credited.has(id) && !order.includes(id)) order.push(id);
  const rest = attributed.filter((id) => !order.includes(id)).sort((a, b) => Number(BigInt(a) - BigInt(b)));
  return new Map([...order, ...rest].map((id, i) => [id, i + 1]));
}

/**
 * The answer cut at the end of every span, each cut followed by the numbers of the credited
 * contributions whose span ends there: marks stand only where the attribution found the text.
 */
export function markSpans(
  text: string,
  spans: readonly CitedSpan[],
  numbers: ReadonlyMap<string, number>,
): CitedSegment[] {
  const at = new Map<number, Set<number>>();
  for (const span of spans) {
    if (span.charEnd <= span.charStart || span.charEnd > text.length) continue;
    for (const id of span.contributionIds) {
      const n = numbers.get(id);
      if (n === undefined) continue;
      const set = at.get(span.charEnd) ?? new Set<number>();
      set.add(n);
      at.set(span.charEnd, set);
    }
  }
  const segments: CitedSegment[] = [];
  let from = 0;
  for (const end of [...at.keys()].sort((a, b) => a - b)) {
    segments.push({
      text: text.slice(from, end),
      marks: [...(at.get(end) as Set<number>)].sort((a, b) => a - b),
    });
    from = end;
  }
  if (from < text.length || segments.length === 0) segments.push({ text: text.slice(from), marks: [] });
  return segments;
}

const CITATION = /\[(\d+(?:\s*,\s*\d+)*)\]/g;

/**
 * A RAG answer's own `[n]` markers (the model cites its retrieved passages, `n` from 1) as marks;
 * a marker naming no passage stays as text.
 */
export function markCitations(text: string, passages: number): CitedSegment[] {
  const segments: CitedSegment[] = [];
  let from = 0;
  for (const match of text.matchAll(CITATION)) {
    const numbers = (match[1] as string).split(",").map((p) => Number(p.trim()));
    if (!numbers.every((n) => n >= 1 && n <= passages)) continue;
    segments.push({
      text: text.slice(from, match.index),
      marks: [...new Set(numbers)].sort((a, b) => a - b),
    });
    from = (match.index as number) + match[0].length;
  }
  if (from < text.length || segments.length === 0) segments.push({ text: text.slice(from), marks: [] });
  return segments;
}
