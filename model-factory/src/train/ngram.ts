import type { EncodedExample } from "../data/examples.js";

export interface NgramOptions {
  /** Tokens of context plus one: order 4 conditions on the three previous bytes. */
  order: number;
  vocabSize: number;
  /** Absolute discount subtracted from every seen count (Kneser-Ney's usual 0.75). */
  discount?: number;
}

interface ContextCounts {
  total: number;
  next: Map<number, number>;
}

/**
 * A byte n-gram language model with interpolated absolute discounting down to a uniform
 * distribution: the trivial baseline a fine-tune has to beat. It is fit on the same token
 * streams the trainer sees (chat template, response, EOS), so its scores are comparable.
 */
export class NgramModel {
  readonly order: number;
  readonly vocabSize: number;
  readonly discount: number;
  /** Context (as a string of char codes, most recent last) → counts of the token after it. */
  private readonly counts = new Map<string, ContextCounts>();

  constructor(options: NgramOptions) {
    if (!Number.isInteger(options.order) || options.order < 1) throw new Error("n-gram order must be ≥ 1");
    this.order = options.order;
    this.vocabSize = options.vocabSize;
    this.discount = options.discount ?? 0.75;
  }

  static fit(sequences: readonly (readonly number[])[], options: NgramOptions): NgramModel {
    const model = new NgramModel(options);
    for (const tokens of sequences) {
      for (let t = 1; t < tokens.length; t++) {
        const token = tokens[t] as number;
        for (let k = 0; k < model.order && k <= t; k++) {
          const key = String.fromCharCode(...tokens.slice(t - k, t));
          let entry = model.counts.get(key);
          if (!entry) {
            entry = { total: 0, next: new Map() };
            model.counts.set(key, entry);
          }
          entry.total += 1;
          entry.next.set(token, (entry.next.get(token) ?? 0) + 1);
        }
      }
    }
    return model;
  }

  /** P(next token | the last order−1 tokens of `context`) over the whole vocabulary. */
  distribution(context: readonly number[]): Float64Array {
    const p = new Float64Array(this.vocabSize).fill(1 / this.vocabSize);
    const longest = Math.min(this.order - 1, context.length);
    for (let k = 0; k <= longest; k++) {
      const entry = this.counts.get(String.fromCharCode(...context.slice(context.length - k)));
      if (!entry) break;
      const backoff = (this.discount * entry.next.size) / entry.total;
      for (let w = 0; w < p.length; w++) p[w] = (p[w] as number) * backoff;
      for (const [w, c] of entry.next) p[w] = (p[w] as number) + Math.max(c - this.discount, 0) / entry.total;
    }
    return p;
  }

  /** The most likely token after `context` (the lowest id among ties). */
  argmax(context: readonly number[]): number {
    const p = this.distribution(context.slice(Math.max(0, context.length - this.order + 1)));
    let best = 0;
    for (let w = 1; w < p.length; w++) if ((p[w] as number) > (p[best] as number)) best = w;
    return best;
  }

  /** Greedy continuation of `context` until `stop` or `maxTokens` tokens. */
  greedy(context: readonly number[], stop: number, maxTokens: number): number[] {
    const tokens = [...context];
    const out: number[] = [];
    while (out.length < maxTokens) {
      const next = this.argmax(tokens);
      if (next === stop) break;
      tokens.push(next);
      out.push(next);
    }
    return out;
  }

  /** Per response position: the target's log-probability and whether it is the most likely token. */
  scoreResponse(example: EncodedExample): { logProb: number; correct: boolean }[] {
    const out: { logProb: number; correct: boolean }[] = [];
    const { tokens, responseStart } = example;
    for (let t = responseStart; t < tokens.length; t++) {
      const context = tokens.slice(Math.max(0, t - this.order + 1), t);
      const p = this.distribution(context);
      const target = tokens[t] as number;
      out.push({ logProb: Math.log(p[target] as number), correct: this.argmax(context) === target });
    }
    return out;
  }
}
