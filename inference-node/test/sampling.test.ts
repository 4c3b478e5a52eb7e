import { describe, expect, it } from "vitest";
import { argmax, createRng, GREEDY_TEMPERATURE, sampleToken, topTokens } from "../src/engine/sampling.js";
import { mulberry32 } from "../src/model/random.js";

const logits = Float32Array.from([0.5, 3, -1, 2.9, 1]);
const params = (temperature: number) => ({ temperature, topP: 1, topK: 0 });

describe("sampleToken", () => {
  it.each([0, 5e-324, Number.MIN_VALUE, 1e-300, 1e-12, GREEDY_TEMPERATURE / 2])(
    "treats temperature %s as greedy",
    (temperature) => {
      const rng = createRng(1);
      for (let i = 0; i < 20; i++) expect(sampleToken(logits, params(temperature), rng)).toBe(1);
    },
  );

  it("samples (finite weights, a valid token) just above the greedy threshold", () => {
    const wide = Float32Array.from([3.4e38, -3.4e38, 0, 1e30]);
    const rng = createRng(2);
    for (let i = 0; i < 20; i++) expect(sampleToken(wide, params(GREEDY_TEMPERATURE), rng)).toBe(0);
    const seen = new Set(Array.from({ length: 200 }, () => sampleToken(logits, params(1), rng)));
    expect(seen.size).toBeGreaterThan(2);
    for (const token of seen) expect(token).toBeLessThan(logits.length);
  });

  it("argmax never picks NaN over a number", () => {
    expect(argmax(Float32Array.from([1, Number.NaN, 2, Number.NaN]))).toBe(2);
  });

  it("top-k / top-p pick what ordering the whole vocabulary would, on a 16k vocabulary", {
    timeout: 30_000,
  }, () => {
    const next = mulberry32(9);
    const big = Float32Array.from({ length: 16_000 }, () => (next() - 0.5) * 12);
    big[77] = big[78] = 7; // a tie, broken by the lower token
    /** The rule written plainly: sort everything, cut by k, cut by nucleus mass, sample in order. */
    const bySorting = (temperature: number, topK: number, topP: number, rng: () => number) => {
      let c = Array.from(big, (logit, token) => ({ token, logit: logit / temperature }));
      c.sort((a, b) => b.logit - a.logit || a.token - b.token);
      if (topK > 0) c = c.slice(0, topK);
      const w = c.map((x) => Math.exp(x.logit - (c[0] as { logit: number }).logit));
      const total = w.reduce((a, b) => a + b, 0);
      let keep = c.length;
      let mass = 0;
      for (let i = 0; i < c.length && topP < 1; i++) {
        mass += (w[i] as number) / total;
        if (mass >= topP) {
          keep = i + 1;
          break;
        }
      }
      let target = rng() * w.slice(0, keep).reduce((a, b) => a + b, 0);
      for (let i = 0; i < keep; i++) {
        target -= w[i] as number;
        if (target <= 0) return (c[i] as { token: number }).token;
      }
      return (c[keep - 1] as { token: number }).token;
    };
    for (const [temperature, topK, topP] of [
      [1, 40, 1],
      [0.7, 0, 0.9],
      [2, 0, 0.5],
      [1, 1000, 0.95],
      [0.3, 0, 0.999],
    ] as const) {
      const a = createRng(5);
      const b = createRng(5);
      for (let i = 0; i < 4; i++) {
        expect(sampleToken(big, { temperature, topK, topP }, a)).toBe(bySorting(temperature, topK, topP, b));
      }
    }
    expect(Array.from(topTokens(big, 3)).slice(0, 2)).toEqual([77, 78]);
  });

  it("samples the whole distribution in proportion to softmax(logits / T)", () => {
    const rng = createRng(3);
    const counts = new Array<number>(logits.length).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const token = sampleToken(logits, params(1.5), rng);
      counts[token] = (counts[token] as number) + 1;
    }
    const weights = Array.from(logits, (l) => Math.exp(l / 1.5));
    const total = weights.reduce((a, b) => a + b, 0);
    counts.forEach((count, token) => {
      expect(Math.abs(count / n - (weights[token] as number) / total)).toBeLessThan(0.015);
    });
  });
});
