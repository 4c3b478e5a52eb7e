/**
 * The attribution tokenizer (version 1). Text is normalised to Unicode NFKC,
 * lower-cased with the locale-independent default case mapping, then split into
 * maximal runs of letters, combining marks and digits (`\p{L}\p{M}\p{N}`); every
 * other character is a boundary and is dropped. It is deliberately simple: every
 * keeper must produce the same tokens without shipping a model vocabulary.
 */
const TOKEN_PATTERN = /[\p{L}\p{M}\p{N}]+/gu;

export function tokenize(text: string): string[] {
  return text.normalize("NFKC").toLowerCase().match(TOKEN_PATTERN) ?? [];
}

/** Where a token of {@link tokenize} lies in the text it came from: code units `[start, end)`. */
export type TokenRange = { start: number; end: number };

/**
 * The place of every token of `tokenize(text)` in `text` itself, so a span of tokens can be shown
 * as the words it was read from. Each character is normalised on its own and the pieces keep
 * their origin; that splits text where `tokenize` does, except in rare compositions across a
 * boundary, for which undefined is returned rather than a wrong place.
 */
export function tokenRanges(text: string): TokenRange[] | undefined {
  let normalized = "";
  const origin: number[] = [];
  for (let i = 0; i < text.length; ) {
    const width = (text.codePointAt(i) as number) > 0xffff ? 2 : 1;
    const piece = text
      .slice(i, i + width)
      .normalize("NFKC")
      .toLowerCase();
    normalized += piece;
    for (let u = 0; u < piece.length; u++) origin.push(i);
    i += width;
  }
  const ranges: TokenRange[] = [];
  for (const match of normalized.matchAll(TOKEN_PATTERN)) {
    const first = match.index;
    const last = first + match[0].length - 1;
    const lastOrigin = origin[last] as number;
    const end = lastOrigin + ((text.codePointAt(lastOrigin) as number) > 0xffff ? 2 : 1);
    ranges.push({ start: origin[first] as number, end });
  }
  return ranges.length === tokenize(text).length ? ranges : undefined;
}

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/**
 * The text of a contribution file or model output for attribution: UTF-8, a
 * leading BOM dropped, invalid bytes replaced by U+FFFD (the WHATWG decoder, so
 * every keeper reads the same bytes as the same text).
 */
export function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
