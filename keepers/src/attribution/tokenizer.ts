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
