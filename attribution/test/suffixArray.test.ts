import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildSuffixArray } from "../src/suffixArray.js";

function naiveSuffixArray(text: readonly number[]): number[] {
  const positions = text.map((_, i) => i);
  return positions.sort((a, b) => {
    for (let k = 0; ; k++) {
      const x = text[a + k];
      const y = text[b + k];
      if (x === undefined) return y === undefined ? 0 : -1;
      if (y === undefined) return 1;
      if (x !== y) return x - y;
    }
  });
}

describe("buildSuffixArray", () => {
  it("sorts the suffixes of banana$", () => {
    // b=2 a=1 n=3 terminal=0
    const text = [2, 1, 3, 1, 3, 1, 0];
    expect([...buildSuffixArray(Int32Array.from(text), 4)]).toEqual([6, 5, 3, 1, 0, 4, 2]);
  });

  it("handles empty and single-symbol texts", () => {
    expect(buildSuffixArray(new Int32Array(0), 1).length).toBe(0);
    expect([...buildSuffixArray(Int32Array.from([0]), 1)]).toEqual([0]);
  });

  it("matches a naive sort on random texts with a unique terminal", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 200 }), (body) => {
        const text = [...body, 0];
        expect([...buildSuffixArray(Int32Array.from(text), 5)]).toEqual(naiveSuffixArray(text));
      }),
      { numRuns: 200 },
    );
  });

  it("orders a suffix before the longer ones it prefixes, with no terminal symbol", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 120 }), (text) => {
        expect([...buildSuffixArray(Int32Array.from(text), 3)]).toEqual(naiveSuffixArray(text));
      }),
      { numRuns: 300 },
    );
    expect([...buildSuffixArray(Int32Array.from([1, 1]), 2)]).toEqual([1, 0]);
    expect([...buildSuffixArray(Int32Array.from([0, 1]), 2)]).toEqual([0, 1]);
  });

  it("handles long repeats and a large alphabet", () => {
    const text = [...Array.from({ length: 3000 }, () => 1), 0];
    expect([...buildSuffixArray(Int32Array.from(text), 2)]).toEqual(naiveSuffixArray(text));
    const periodic = Array.from({ length: 2000 }, (_, i) => [7, 3, 7, 3, 9][i % 5] as number);
    expect([...buildSuffixArray(Int32Array.from(periodic), 1_000_000)]).toEqual(naiveSuffixArray(periodic));
  });
});
