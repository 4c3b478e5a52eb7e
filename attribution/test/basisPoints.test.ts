import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { serializeAttributions, TOTAL_BPS, toBasisPoints } from "../src/basisPoints.js";

const bps = (entries: [bigint, number][], max = 32) => toBasisPoints(new Map(entries), max);

describe("toBasisPoints", () => {
  it("gives the leftover point of an even three-way split to the lowest id", () => {
    expect(
      bps([
        [9n, 1 / 3],
        [4n, 1 / 3],
        [6n, 1 / 3],
      ]),
    ).toEqual([
      { contributionId: 4n, weightBps: 3334 },
      { contributionId: 6n, weightBps: 3333 },
      { contributionId: 9n, weightBps: 3333 },
    ]);
  });

  it("rounds by largest remainder and leaves the unattributed share out", () => {
    // quotas 1234.5, 2345.6, 10.04 → floors sum to 3589; Σq = 3590.14 → target 3590: one point to .6.
    expect(
      bps([
        [1n, 0.12345],
        [2n, 0.23456],
        [3n, 0.001004],
      ]),
    ).toEqual([
      { contributionId: 1n, weightBps: 1234 },
      { contributionId: 2n, weightBps: 2346 },
      { contributionId: 3n, weightBps: 10 },
    ]);
    // quotas 1234.6 + 2345.7 = 3580.3 → target 3580, floors 3579: the point goes to the .7 remainder.
    expect(
      bps([
        [2n, 0.23457],
        [1n, 0.12346],
      ]),
    ).toEqual([
      { contributionId: 1n, weightBps: 1234 },
      { contributionId: 2n, weightBps: 2346 },
    ]);
  });

  it("keeps only the largest entries up to the cap, ties by lower id", () => {
    expect(
      bps(
        [
          [5n, 0.2],
          [1n, 0.5],
          [3n, 0.2],
          [2n, 0.1],
        ],
        2,
      ),
    ).toEqual([
      { contributionId: 1n, weightBps: 5000 },
      { contributionId: 3n, weightBps: 2000 },
    ]);
    expect(bps([[1n, 0.5]], 0)).toEqual([]);
  });

  it("drops zero and sub-point weights", () => {
    expect(
      bps([
        [1n, 0],
        [2n, 0.00001],
        [3n, 0.5],
      ]),
    ).toEqual([{ contributionId: 3n, weightBps: 5000 }]);
  });

  it("refuses negative, non-finite and over-unity weights and a bad cap", () => {
    expect(() => bps([[1n, -0.1]])).toThrow(/weight of contribution 1/);
    expect(() => bps([[1n, Number.NaN]])).toThrow(/NaN/);
    expect(() =>
      bps([
        [1n, 0.6],
        [2n, 0.6],
      ]),
    ).toThrow(/more than 1/);
    expect(() => bps([[1n, 0.5]], -1)).toThrow(/maxAttributions/);
    expect(() => bps([[1n, 0.5]], 1.5)).toThrow(/maxAttributions/);
  });

  it("serializes canonically", () => {
    expect(
      serializeAttributions([
        { contributionId: 1n, weightBps: 10 },
        { contributionId: 2n ** 70n, weightBps: 20 },
      ]),
    ).toBe('[["1",10],["1180591620717411303424",20]]');
  });

  const weights = fc
    .uniqueArray(fc.tuple(fc.bigInt({ min: 0n, max: 1n << 64n }), fc.integer({ min: 0, max: 1_000_000 })), {
      selector: ([id]) => id,
      maxLength: 60,
    })
    .chain((raw) =>
      fc.double({ min: 0, max: 1, noNaN: true }).map((scale) => {
        const total = raw.reduce((s, [, w]) => s + w, 0);
        return raw.map(([id, w]) => [id, total === 0 ? 0 : (w / total) * scale] as [bigint, number]);
      }),
    );

  it("always yields ascending unique ids, positive weights, sum ≤ 10 000 and ≤ cap entries", () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 0, max: 70 }), (entries, cap) => {
        const out = bps(entries, cap);
        expect(out.length).toBeLessThanOrEqual(cap);
        let sum = 0;
        for (let i = 0; i < out.length; i++) {
          const row = out[i] as (typeof out)[number];
          expect(row.weightBps).toBeGreaterThan(0);
          if (i > 0)
            expect(row.contributionId > (out[i - 1] as (typeof out)[number]).contributionId).toBe(true);
          sum += row.weightBps;
        }
        expect(sum).toBeLessThanOrEqual(TOTAL_BPS);
      }),
      { numRuns: 500 },
    );
  });

  it("without a cap, misses each exact quota and the exact total by less than one point", () => {
    fc.assert(
      fc.property(weights, (entries) => {
        const out = bps(entries, entries.length);
        const byId = new Map(out.map((a) => [a.contributionId, a.weightBps]));
        let quotaSum = 0;
        for (const [id, f] of entries) {
          quotaSum += f * TOTAL_BPS;
          expect(Math.abs((byId.get(id) ?? 0) - f * TOTAL_BPS)).toBeLessThan(1 + 1e-6);
        }
        const total = out.reduce((s, a) => s + a.weightBps, 0);
        expect(total).toBeLessThanOrEqual(TOTAL_BPS);
        expect(Math.abs(total - quotaSum)).toBeLessThan(1);
      }),
      { numRuns: 500 },
    );
  });

  it("does not depend on the order of the input map", () => {
    fc.assert(
      fc.property(weights, fc.integer({ min: 0, max: 70 }), (entries, cap) => {
        const reversed = [...entries].reverse();
        expect(serializeAttributions(bps(reversed, cap))).toBe(serializeAttributions(bps(entries, cap)));
      }),
      { numRuns: 200 },
    );
  });
});
