import { deterministicLn } from "./detMath.js";
import { AttributionError } from "./errors.js";
import { tokenize } from "./tokenizer.js";

/** BM25 parameters of attribution version 1 (Robertson–Spärck Jones with Lucene's non-negative idf). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

export type Passage = { contributionId: bigint; text: string; uri: string };
export type RetrievedPassage = Passage & { score: number; rank: number };

type Doc = Passage & { length: number };
type Postings = { doc: Int32Array; tf: Int32Array };

/** A query term's postings in `retrieve`, with its best contribution to any passage's score. */
type Cursor = { order: number; idf: number; list: Postings; bound: number; at: number };

/**
 * Slack on score bounds: a bound is a float sum in another order than the score's, so it may fall
 * an ulp short; a passage is skipped only when even the widened bound cannot reach the k-th score.
 */
const BOUND_SLACK = 1 + 1e-9;

/**
 * BM25 retrieval over the accepted contributions of a model's datanets; one
 * passage per contribution. Built once, read-only afterwards.
 */
export class Bm25Index {
  readonly #docs: Doc[];
  readonly #postings = new Map<string, Postings>();
  /** Per term, the largest score it adds to any passage (computed on first use). */
  readonly #bounds = new Map<string, number>();
  readonly #averageLength: number;
  /** Per passage: `k1 · (1 − b + b · length / averageLength)`. */
  readonly #norm: Float64Array;
  /** Scratch for `retrieve`: scores by passage, and which passages were touched. */
  readonly #scores: Float64Array;
  readonly #touched: Uint8Array;

  constructor(passages: Iterable<Passage>) {
    const docs: Doc[] = [];
    for (const p of passages) docs.push({ ...p, length: 0 });
    docs.sort((a, b) =>
      a.contributionId < b.contributionId ? -1 : a.contributionId > b.contributionId ? 1 : 0,
    );
    for (let d = 1; d < docs.length; d++) {
      if ((docs[d] as Doc).contributionId === (docs[d - 1] as Doc).contributionId) {
        throw new AttributionError(`contribution ${(docs[d] as Doc).contributionId} was added twice`);
      }
    }
    this.#docs = docs;
    const lists = new Map<string, { doc: number[]; tf: number[] }>();
    let total = 0;
    docs.forEach((doc, d) => {
      // Term counts live only while the postings are built: a map per passage would dominate memory.
      const terms = new Map<string, number>();
      const words = tokenize(doc.text);
      for (const w of words) terms.set(w, (terms.get(w) ?? 0) + 1);
      doc.length = words.length;
      total += doc.length;
      for (const [term, tf] of terms) {
        let list = lists.get(term);
        if (list === undefined) {
          list = { doc: [], tf: [] };
          lists.set(term, list);
        }
        list.doc.push(d);
        list.tf.push(tf);
      }
    });
    for (const [term, list] of lists) {
      this.#postings.set(term, { doc: Int32Array.from(list.doc), tf: Int32Array.from(list.tf) });
    }
    this.#averageLength = docs.length === 0 ? 0 : total / docs.length;
    this.#norm = Float64Array.from(
      docs,
      (doc) => BM25_K1 * (1 - BM25_B + (BM25_B * doc.length) / this.#averageLength),
    );
    this.#scores = new Float64Array(docs.length);
    this.#touched = new Uint8Array(docs.length);
  }

  get size(): number {
    return this.#docs.length;
  }

  /** Inverse document frequency, `ln(1 + (N - df + 0.5) / (df + 0.5))`; a word seen nowhere gets df = 0. */
  idf(term: string): number {
    const n = this.#docs.length;
    const df = this.#postings.get(term)?.doc.length ?? 0;
    return deterministicLn(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** Distinct words of a passage, or undefined for an id not in the index. */
  termsOf(contributionId: bigint): ReadonlySet<string> | undefined {
    const doc = this.#find(contributionId);
    return doc === undefined ? undefined : new Set(tokenize(doc.text));
  }

  /**
   * The `k` best passages for `query`, by descending score, ties by ascending
   * contribution id. Query words are distinct and summed in code-unit order, so
   * scores are bit-identical everywhere. Passages scoring 0 are not returned.
   *
   * MaxScore (Turtle & Flood 1995): once k passages are held, a term whose bound, with the bounds
   * of every weaker term, cannot lift a passage to the k-th score only scores the passages the
   * stronger terms bring up; so the long lists of common words are probed, not walked. Returns
   * exactly what {@link retrieveExhaustive} returns.
   */
  retrieve(query: string, k: number): RetrievedPassage[] {
    const terms = queryTerms(query, k);
    const cursors: Cursor[] = [];
    terms.forEach((term, order) => {
      const list = this.#postings.get(term);
      if (list !== undefined)
        cursors.push({ order, idf: this.idf(term), list, bound: this.#bound(term), at: 0 });
    });
    if (k === 0 || cursors.length === 0) return [];
    // Weakest first: cursors[0..essential) are the terms that cannot by themselves reach the threshold.
    cursors.sort((a, b) => a.bound - b.bound || a.order - b.order);
    const prefixBound = new Float64Array(cursors.length + 1);
    for (let i = 0; i < cursors.length; i++) {
      prefixBound[i + 1] = (prefixBound[i] as number) + (cursors[i] as Cursor).bound;
    }
    const norm = this.#norm;
    const contribution = new Float64Array(terms.length);
    const present = new Uint8Array(terms.length);
    // The best k so far, worst last; `better` is the exhaustive order (score, then lower index).
    const best: number[] = [];
    const bestScore: number[] = [];
    let threshold = 0;
    let essential = 0;
    for (;;) {
      let d = 0x7fffffff;
      for (let i = essential; i < cursors.length; i++) {
        const c = cursors[i] as Cursor;
        if (c.at < c.list.doc.length) d = Math.min(d, c.list.doc[c.at] as number);
      }
      if (d === 0x7fffffff) break;
      let partial = 0;
      for (let i = essential; i < cursors.length; i++) {
        const c = cursors[i] as Cursor;
        if (c.at < c.list.doc.length && c.list.doc[c.at] === d) {
          const tf = c.list.tf[c.at] as number;
          const s = (c.idf * (tf * (BM25_K1 + 1))) / (tf + (norm[d] as number));
          contribution[c.order] = s;
          present[c.order] = 1;
          partial += s;
          c.at++;
        }
      }
      // Weaker terms, strongest first, while the passage can still make the top k.
      let reachable = true;
      for (let i = essential - 1; i >= 0; i--) {
        if (best.length === k && (partial + (prefixBound[i + 1] as number)) * BOUND_SLACK < threshold) {
          reachable = false;
          break;
        }
        const c = cursors[i] as Cursor;
        c.at = seek(c.list.doc, c.at, d);
        if (c.at < c.list.doc.length && c.list.doc[c.at] === d) {
          const tf = c.list.tf[c.at] as number;
          const s = (c.idf * (tf * (BM25_K1 + 1))) / (tf + (norm[d] as number));
          contribution[c.order] = s;
          present[c.order] = 1;
          partial += s;
        }
      }
      // The score as the exhaustive loop sums it: term by term in query order, from 0.
      let score = 0;
      for (let t = 0; t < terms.length; t++) {
        if (present[t] === 1) {
          score += contribution[t] as number;
          present[t] = 0;
        }
      }
      if (!reachable || score <= 0) continue;
      // Passages come in ascending index order, so a tie never displaces a held one.
      if (best.length === k && !(score > threshold)) continue;
      let at = best.length < k ? best.length : k - 1;
      while (at > 0 && score > (bestScore[at - 1] as number)) {
        best[at] = best[at - 1] as number;
        bestScore[at] = bestScore[at - 1] as number;
        at--;
      }
      best[at] = d;
      bestScore[at] = score;
      if (best.length === k) {
        threshold = bestScore[k - 1] as number;
        while (
          essential < cursors.length &&
          (prefixBound[essential + 1] as number) * BOUND_SLACK < threshold
        ) {
          essential++;
        }
      }
    }
    return best.map((d, i) => {
      const { contributionId, text, uri } = this.#docs[d] as Doc;
      return { contributionId, text, uri, score: bestScore[i] as number, rank: i + 1 };
    });
  }

  /** {@link retrieve} scoring every passage that shares a word with the query: the reference it is tested against. */
  retrieveExhaustive(query: string, k: number): RetrievedPassage[] {
    const terms = queryTerms(query, k);
    const scores = this.#scores;
    const touched = this.#touched;
    const hits: number[] = [];
    for (const term of terms) {
      const list = this.#postings.get(term);
      if (list === undefined) continue;
      const idf = this.idf(term);
      for (let j = 0; j < list.doc.length; j++) {
        const d = list.doc[j] as number;
        const tf = list.tf[j] as number;
        if (touched[d] === 0) {
          touched[d] = 1;
          hits.push(d);
        }
        scores[d] = (scores[d] as number) + (idf * (tf * (BM25_K1 + 1))) / (tf + (this.#norm[d] as number));
      }
    }
    // Top k by score, ties by lower passage index (= lower contribution id).
    const better = (a: number, b: number) =>
      (scores[a] as number) > (scores[b] as number) || (scores[a] === scores[b] && a < b);
    let best: number[];
    if (k > 32) {
      best = hits
        .filter((d) => (scores[d] as number) > 0)
        .sort((a, b) => (better(a, b) ? -1 : 1))
        .slice(0, k);
    } else {
      // A sorted window of k: O(hits · k) with no allocation per hit.
      best = [];
      for (const d of hits) {
        if ((scores[d] as number) <= 0 || k === 0) continue;
        if (best.length === k && !better(d, best[k - 1] as number)) continue;
        let at = best.length < k ? best.length : k - 1;
        best[at] = d;
        while (at > 0 && better(d, best[at - 1] as number)) {
          best[at] = best[at - 1] as number;
          best[--at] = d;
        }
      }
    }
    const result = best.map((d, i) => {
      const { contributionId, text, uri } = this.#docs[d] as Doc;
      return { contributionId, text, uri, score: scores[d] as number, rank: i + 1 };
    });
    for (const d of hits) {
      scores[d] = 0;
      touched[d] = 0;
    }
    return result;
  }

  #bound(term: string): number {
    let bound = this.#bounds.get(term);
    if (bound === undefined) {
      bound = 0;
      const list = this.#postings.get(term);
      if (list !== undefined) {
        const idf = this.idf(term);
        for (let j = 0; j < list.doc.length; j++) {
          const tf = list.tf[j] as number;
          const s = (idf * (tf * (BM25_K1 + 1))) / (tf + (this.#norm[list.doc[j] as number] as number));
          if (s > bound) bound = s;
        }
      }
      this.#bounds.set(term, bound);
    }
    return bound;
  }

  #find(id: bigint): Doc | undefined {
    let a = 0;
    let b = this.#docs.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((this.#docs[mid] as Doc).contributionId < id) a = mid + 1;
      else b = mid;
    }
    const doc = this.#docs[a];
    return doc?.contributionId === id ? doc : undefined;
  }
}

function queryTerms(query: string, k: number): string[] {
  if (!Number.isInteger(k) || k < 0) throw new AttributionError(`k must be a non-negative integer, got ${k}`);
  return [...new Set(tokenize(query))].sort();
}

/** The first position at or after `from` whose doc is `>= d` (galloping, then binary search). */
function seek(docs: Int32Array, from: number, d: number): number {
  let lo = from;
  let step = 1;
  let hi = from;
  while (hi < docs.length && (docs[hi] as number) < d) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  if (hi > docs.length) hi = docs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((docs[mid] as number) < d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
