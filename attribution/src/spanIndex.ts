import { AttributionError } from "./errors.js";
import { buildSuffixArray } from "./suffixArray.js";
import { tokenize } from "./tokenizer.js";

/** Token id given to output tokens the index has never seen: it matches nothing. */
export const UNKNOWN_TOKEN = 0xffffffff;
const MAX_CONTRIBUTION_ID = (1n << 64n) - 1n;

/** A maximal match: output tokens `[start, end)` occur verbatim in `occurrences` places of the corpus. */
export type MatchedSpan = {
  start: number;
  end: number;
  occurrences: number;
  /** Distinct contributions containing the span, ascending; empty when `occurrences` exceeds the cap. */
  contributionIds: bigint[];
};

export type SpanSearchOptions = {
  /** Shortest span, in tokens, that counts as a match. */
  minSpanTokens: number;
  /** Spans found in more places than this are common phrases and credit nobody. */
  maxSpanOccurrences: number;
};

export const defaultSpanSearchOptions: SpanSearchOptions = { minSpanTokens: 8, maxSpanOccurrences: 64 };

/**
 * Collects the texts of a model's training contributions, then builds a
 * {@link SpanIndex}. Insertion order does not matter: contributions are laid out
 * by ascending id at build time. `build` hands the builder's buffers to the index,
 * so a builder builds once.
 */
export class SpanIndexBuilder {
  #vocabulary = new Map<string, number>();
  #built = false;
  #tokens = new Uint32Array(1 << 16);
  #length = 0;
  #starts: number[] = [];
  #ends: number[] = [];
  #ids: bigint[] = [];

  add(contributionId: bigint, text: string): this {
    if (this.#built) throw new AttributionError("this SpanIndexBuilder has already built its index");
    if (contributionId < 0n || contributionId > MAX_CONTRIBUTION_ID) {
      throw new AttributionError(`contribution id ${contributionId} is outside [0, 2^64)`);
    }
    const words = tokenize(text);
    if (this.#length + words.length > this.#tokens.length) {
      let size = this.#tokens.length * 2;
      while (size < this.#length + words.length) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(this.#tokens.subarray(0, this.#length));
      this.#tokens = grown;
    }
    this.#starts.push(this.#length);
    for (const word of words) {
      let id = this.#vocabulary.get(word);
      if (id === undefined) {
        id = this.#vocabulary.size + 1;
        this.#vocabulary.set(word, id);
      }
      this.#tokens[this.#length++] = id;
    }
    this.#ends.push(this.#length);
    this.#ids.push(contributionId);
    return this;
  }

  build(): SpanIndex {
    if (this.#built) throw new AttributionError("this SpanIndexBuilder has already built its index");
    this.#built = true;
    const docCount = this.#ids.length;
    const order = Array.from({ length: docCount }, (_, i) => i);
    const ids = this.#ids;
    order.sort((a, b) => ((ids[a] as bigint) < (ids[b] as bigint) ? -1 : 1));
    const docIds = new BigUint64Array(docCount);
    for (let d = 0; d < docCount; d++) {
      docIds[d] = ids[order[d] as number] as bigint;
      if (d > 0 && docIds[d] === docIds[d - 1]) {
        throw new AttributionError(`contribution ${docIds[d]} was added twice`);
      }
    }

    // Layout: each contribution's tokens followed by a separator (0).
    const n = this.#length + docCount;
    const tokens = new Uint32Array(n);
    const docStarts = new Int32Array(docCount + 1);
    let at = 0;
    for (let d = 0; d < docCount; d++) {
      const src = order[d] as number;
      docStarts[d] = at;
      tokens.set(this.#tokens.subarray(this.#starts[src], this.#ends[src]), at);
      at += (this.#ends[src] as number) - (this.#starts[src] as number);
      tokens[at++] = 0;
    }
    docStarts[docCount] = n;
    this.#tokens = new Uint32Array(0);
    this.#starts = [];
    this.#ends = [];
    this.#ids = [];
    const vocabulary = this.#vocabulary;
    this.#vocabulary = new Map();

    // Initial ranks: words keep their id, each separator is unique and above every word,
    // so no match or comparison ever crosses from one contribution into the next.
    const vocabularySize = vocabulary.size;
    const ranks = new Int32Array(n);
    for (let i = 0, d = 0; i < n; i++) {
      const t = tokens[i] as number;
      ranks[i] = t === 0 ? vocabularySize + 1 + d++ : t;
    }
    const suffixArray = buildSuffixArray(ranks, vocabularySize + 1 + docCount);
    return new SpanIndex(tokens, suffixArray, docStarts, docIds, vocabulary);
  }
}

/**
 * Exact-match index over tokenised contributions (infini-gram style): the token
 * stream and its suffix array. 8 bytes per token plus 12 per contribution and the
 * vocabulary.
 */
export class SpanIndex {
  /** `firstTokenStart[t]..firstTokenStart[t + 1]` is the suffix array range of suffixes starting with word `t`. */
  readonly #firstTokenStart: Int32Array;

  constructor(
    readonly tokens: Uint32Array,
    readonly suffixArray: Int32Array,
    readonly docStarts: Int32Array,
    readonly contributionIds: BigUint64Array,
    readonly vocabulary: ReadonlyMap<string, number>,
  ) {
    const v = vocabulary.size;
    const start = new Int32Array(v + 2);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as number;
      if (t !== 0) start[t + 1] = (start[t + 1] as number) + 1;
    }
    for (let t = 1; t <= v + 1; t++) start[t] = (start[t] as number) + (start[t - 1] as number);
    this.#firstTokenStart = start;
  }

  get contributionCount(): number {
    return this.contributionIds.length;
  }

  /** Tokens of contribution text, separators excluded. */
  get tokenCount(): number {
    return this.tokens.length - this.contributionIds.length;
  }

  /** Bytes held by the typed arrays of the index (the vocabulary map is not counted). */
  get byteLength(): number {
    return (
      this.tokens.byteLength +
      this.suffixArray.byteLength +
      this.docStarts.byteLength +
      this.contributionIds.byteLength +
      this.#firstTokenStart.byteLength
    );
  }

  /** Tokenises `text` and maps each word to its id, or {@link UNKNOWN_TOKEN}. */
  encode(text: string): Uint32Array {
    const words = tokenize(text);
    const out = new Uint32Array(words.length);
    for (let i = 0; i < words.length; i++) out[i] = this.vocabulary.get(words[i] as string) ?? UNKNOWN_TOKEN;
    return out;
  }

  /**
   * Maximal spans of `query` of at least `minSpanTokens` tokens that occur in the
   * corpus: for each start the longest match (matching statistics), kept when it
   * is not inside an earlier start's match. Ascending by start.
   */
  maximalSpans(query: Uint32Array, options: SpanSearchOptions = defaultSpanSearchOptions): MatchedSpan[] {
    const { minSpanTokens, maxSpanOccurrences } = options;
    if (!Number.isInteger(minSpanTokens) || minSpanTokens < 1) {
      throw new AttributionError(`minSpanTokens must be a positive integer, got ${minSpanTokens}`);
    }
    if (!Number.isInteger(maxSpanOccurrences) || maxSpanOccurrences < 1) {
      throw new AttributionError(`maxSpanOccurrences must be a positive integer, got ${maxSpanOccurrences}`);
    }
    const spans: MatchedSpan[] = [];
    const length = query.length;
    // Anchors: a span of at least 2h − 1 tokens starting at i contains the window
    // [a, a + h) with a = ceil(i / h) · h, so where that window occurs nowhere, no
    // qualifying span can start. Skipping such starts changes no output: a match
    // they would have found is shorter than minSpanTokens, and so is any match
    // it would have hidden.
    const h = (minSpanTokens + 1) >> 1;
    const anchors = new Uint8Array(Math.ceil(length / h) + 1);
    for (let a = 0; a + h <= length; a += h) anchors[a / h] = this.#occurs(query, a, h) ? 1 : 0;
    let m = 0;
    let lo = 0;
    let hi = 0;
    let lastEnd = 0;
    for (let i = 0; i < length; i++) {
      if (anchors[Math.ceil(i / h)] === 0) {
        m = 0;
        continue;
      }
      if (m > 0) {
        m -= 1;
        // query[i, i + m) occurs: it is a suffix of the previous match.
        if (m > 0) [lo, hi] = this.#find(query, i, m);
      }
      if (m === 0) {
        const t = query[i] as number;
        if (t === UNKNOWN_TOKEN || t === 0 || t > this.vocabulary.size) {
          lastEnd = Math.max(lastEnd, i);
          continue;
        }
        lo = this.#firstTokenStart[t] as number;
        hi = this.#firstTokenStart[t + 1] as number;
        m = 1;
      }
      while (i + m < length) {
        const next = this.#narrow(lo, hi, m, query[i + m] as number);
        if (next === null) break;
        [lo, hi] = next;
        m++;
      }
      const end = i + m;
      if (end > lastEnd && m >= minSpanTokens) {
        const occurrences = hi - lo;
        spans.push({
          start: i,
          end,
          occurrences,
          contributionIds: occurrences > maxSpanOccurrences ? [] : this.#contributionsIn(lo, hi),
        });
      }
      if (end > lastEnd) lastEnd = end;
    }
    return spans;
  }

  /** Contribution holding corpus position `pos`. */
  contributionAt(pos: number): bigint {
    const starts = this.docStarts;
    let a = 0;
    let b = starts.length - 1;
    while (b - a > 1) {
      const mid = (a + b) >>> 1;
      if ((starts[mid] as number) <= pos) a = mid;
      else b = mid;
    }
    return this.contributionIds[a] as bigint;
  }

  #contributionsIn(lo: number, hi: number): bigint[] {
    const found = new Set<bigint>();
    for (let k = lo; k < hi; k++) found.add(this.contributionAt(this.suffixArray[k] as number));
    return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Whether `query[from, from + length)` occurs anywhere; gives up at the first missing token. */
  #occurs(query: Uint32Array, from: number, length: number): boolean {
    const first = query[from] as number;
    if (first === 0 || first > this.vocabulary.size) return false;
    let lo = this.#firstTokenStart[first] as number;
    let hi = this.#firstTokenStart[first + 1] as number;
    for (let depth = 1; depth < length; depth++) {
      const next = this.#narrow(lo, hi, depth, query[from + depth] as number);
      if (next === null) return false;
      [lo, hi] = next;
    }
    return true;
  }

  /** Suffix array range whose suffixes start with `query[from, from + m)`; non-empty by the caller's guarantee. */
  #find(query: Uint32Array, from: number, m: number): [number, number] {
    const first = query[from] as number;
    let lo = this.#firstTokenStart[first] as number;
    let hi = this.#firstTokenStart[first + 1] as number;
    for (let depth = 1; depth < m; ) {
      // Narrow one token at a time while the range is large, the cheap path for short prefixes.
      if (hi - lo <= 1) break;
      const next = this.#narrow(lo, hi, depth, query[from + depth] as number);
      if (next === null) throw new AttributionError("span index is inconsistent");
      [lo, hi] = next;
      depth++;
    }
    return [lo, hi];
  }

  /** Sub-range of `[lo, hi)` whose suffixes have `token` at offset `depth`, or null. */
  #narrow(lo: number, hi: number, depth: number, token: number): [number, number] | null {
    const sa = this.suffixArray;
    const tokens = this.tokens;
    // Separators (0) sort above every word and above UNKNOWN_TOKEN.
    const key = (k: number): number => {
      const t = tokens[(sa[k] as number) + depth] as number;
      return t === 0 ? 0x100000000 : t;
    };
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (key(mid) < token) a = mid + 1;
      else b = mid;
    }
    if (a === hi || key(a) !== token) return null;
    const start = a;
    b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (key(mid) <= token) a = mid + 1;
      else b = mid;
    }
    return [start, a];
  }
}
