import { deterministicLn } from "./detMath.js";
import { AttributionError } from "./errors.js";
import { tokenize } from "./tokenizer.js";

/** BM25 parameters of attribution version 1 (Robertson–Spärck Jones with Lucene's non-negative idf). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

export type Passage = { contributionId: bigint; text: string; uri: string };
export type RetrievedPassage = Passage & { score: number; rank: number };

type Doc = Passage & { length: number; terms: Map<string, number> };

/**
 * BM25 retrieval over the accepted contributions of a model's datanets; one
 * passage per contribution. Built once, read-only afterwards.
 */
export class Bm25Index {
  readonly #docs: Doc[];
  readonly #postings = new Map<string, { doc: Int32Array; tf: Int32Array }>();
  readonly #averageLength: number;
  /** Per passage: `k1 · (1 − b + b · length / averageLength)`. */
  readonly #norm: Float64Array;
  /** Scratch for `retrieve`: scores by passage, and which passages were touched. */
  readonly #scores: Float64Array;
  readonly #touched: Uint8Array;

  constructor(passages: Iterable<Passage>) {
    const docs: Doc[] = [];
    for (const p of passages) {
      const terms = new Map<string, number>();
      const words = tokenize(p.text);
      for (const w of words) terms.set(w, (terms.get(w) ?? 0) + 1);
      docs.push({ ...p, length: words.length, terms });
    }
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
      total += doc.length;
      for (const [term, tf] of doc.terms) {
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
    return doc === undefined ? undefined : new Set(doc.terms.keys());
  }

  /**
   * The `k` best passages for `query`, by descending score, ties by ascending
   * contribution id. Query words are distinct and summed in code-unit order, so
   * scores are bit-identical everywhere. Passages scoring 0 are not returned.
   */
  retrieve(query: string, k: number): RetrievedPassage[] {
    if (!Number.isInteger(k) || k < 0)
      throw new AttributionError(`k must be a non-negative integer, got ${k}`);
    const terms = [...new Set(tokenize(query))].sort();
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
