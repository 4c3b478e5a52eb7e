import { describe, expect, it } from "vitest";
import { argmax, createRng, GREEDY_TEMPERATURE, sampleToken } from "../src/engine/sampling.js";

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
});
