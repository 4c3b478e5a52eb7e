import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { scheduleExecutor, sortKeepers } from "../../src/node/executor.js";

const a = "0x00000000000000000000000000000000000000aa" as Address;
const b = "0x00000000000000000000000000000000000000Bb" as Address;
const c = "0x0000000000000000000000000000000000000Ccc" as Address;

describe("executor selection", () => {
  it("sorts keepers by address value and drops duplicates whatever their case", () => {
    expect(sortKeepers([c, a, b, a.toUpperCase().replace("0X", "0x") as Address])).toEqual([
      a.toUpperCase().replace("0X", "0x"),
      b,
      c,
    ]);
  });

  it("picks sorted[requestId mod n] as primary, the same from any order of the active set", () => {
    for (const requestId of [0n, 1n, 2n, 3n, 7n, 2n ** 200n + 1n]) {
      const one = scheduleExecutor({
        requestId,
        activeKeepers: [a, b, c],
        requestedAt: 100n,
        now: 100n,
        fallbackAfterSeconds: 30n,
      });
      const other = scheduleExecutor({
        requestId,
        activeKeepers: [c, a, b],
        requestedAt: 100n,
        now: 100n,
        fallbackAfterSeconds: 30n,
      });
      expect(one).toEqual(other);
      expect(one.round).toBe(0);
      expect(one.executor).toBe([a, b, c][Number(requestId % 3n)]);
    }
  });

  it("passes the turn to the next keeper every fallback period and wraps around", () => {
    const at = (now: bigint) =>
      scheduleExecutor({
        requestId: 4n,
        activeKeepers: [a, b, c],
        requestedAt: 1000n,
        now,
        fallbackAfterSeconds: 30n,
      });
    expect(at(1029n)).toEqual({ executor: b, round: 0, nextRoundAt: 1030n });
    expect(at(1030n)).toEqual({ executor: c, round: 1, nextRoundAt: 1060n });
    expect(at(1061n)).toEqual({ executor: a, round: 2, nextRoundAt: 1090n });
    expect(at(1090n).executor).toBe(b);
    // A clock behind the request (another node's view) counts as round 0.
    expect(at(900n).round).toBe(0);
  });

  it("refuses an empty active set and a zero fallback period", () => {
    expect(() =>
      scheduleExecutor({
        requestId: 1n,
        activeKeepers: [],
        requestedAt: 0n,
        now: 0n,
        fallbackAfterSeconds: 1n,
      }),
    ).toThrow(/no active keeper/);
    expect(() =>
      scheduleExecutor({
        requestId: 1n,
        activeKeepers: [a],
        requestedAt: 0n,
        now: 0n,
        fallbackAfterSeconds: 0n,
      }),
    ).toThrow(/positive/);
  });
});
