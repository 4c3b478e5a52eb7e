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

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/**
 * The text of a contribution file or model output for attribution: UTF-8, a
 * leading BOM dropped, invalid bytes replaced by U+FFFD (the WHATWG decoder, so
 * every keeper reads the same bytes as the same text).
 */
export function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}
