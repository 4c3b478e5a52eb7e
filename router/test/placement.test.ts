import { describe, expect, test } from "vitest";
import { type Candidate, chooseNode, loadBound, rendezvousOrder } from "../src/placement.js";

const nodes = (...specs: [string, number, boolean][]): Candidate[] =>
  specs.map(([name, load, resident]) => ({ name, load, resident }));

describe("chooseNode", () => {
  const key = "adapter-key";
  const [first, second, third] = rendezvousOrder(key, ["a", "b", "c"]) as [string, string, string];

  test.each([
    {
      case: "a cold adapter goes to its first rendezvous node",
      candidates: nodes([first, 0, false], [second, 0, false], [third, 0, false]),
      node: first,
      reason: "placement",
    },
    {
      case: "a resident node under the bound wins over placement",
      candidates: nodes([first, 0, false], [second, 0, true], [third, 0, false]),
      node: second,
      reason: "resident",
    },
    {
      case: "of two resident nodes the less loaded one",
      candidates: nodes([first, 2, true], [second, 1, true], [third, 0, false]),
      node: second,
      reason: "resident",
    },
    {
      case: "a resident node over the bound is passed over for placement",
      // total 6 → bound ceil(1.25·7/3) = 3
      candidates: nodes([first, 0, false], [second, 5, true], [third, 1, false]),
      node: first,
      reason: "placement",
    },
    {
      case: "a cold adapter spills to the next rendezvous node when the first is over the bound",
      candidates: nodes([first, 4, false], [second, 1, false], [third, 0, false]),
      node: second,
      reason: "spill",
    },
  ])("$case", ({ candidates, node, reason }) => {
    const decision = chooseNode(key, candidates, 1.25);
    expect(decision.order[0]).toBe(node);
    expect(decision.reason).toBe(reason);
    // The rest follow in rendezvous order: where the adapter goes next when the choice fails.
    expect(decision.order.slice(1)).toEqual([first, second, third].filter((n) => n !== node));
    expect(new Set(decision.order).size).toBe(candidates.length);
  });

  test("a node is always under the bound, however loaded the others", () => {
    for (const loads of [
      [9, 9, 0],
      [50, 0, 0],
      [3, 3, 3],
      [0, 0, 0],
    ]) {
      const candidates = nodes(
        ...loads.map((l, i) => [[first, second, third][i] as string, l, false] as [string, number, boolean]),
      );
      const { order } = chooseNode(key, candidates, 1);
      const total = loads.reduce((a, b) => a + b, 0);
      expect(candidates.find((c) => c.name === order[0])?.load).toBeLessThan(loadBound(total, 3, 1));
    }
  });

  test("refuses a load factor below 1", () => {
    expect(() => chooseNode(key, nodes([first, 0, false]), 0.5)).toThrow(/at least 1/);
  });

  test("refuses an empty candidate list", () => {
    expect(() => chooseNode(key, [], 1.25)).toThrow(/at least one candidate/);
  });
});

describe("loadBound", () => {
  test.each([
    [0, 3, 1.25, 1],
    [11, 3, 1.25, 5],
    [99, 4, 1.25, 32],
    [10, 1, 1.25, 14],
    [5, 2, 1, 3],
  ])("total %i over %i nodes at %f: %i", (total, count, factor, bound) => {
    expect(loadBound(total, count, factor)).toBe(bound);
  });
});

describe("rendezvousOrder", () => {
  const keys = Array.from({ length: 3000 }, (_, i) => `key-${i}`);

  test("spreads keys evenly and is the same on every call", () => {
    const counts = new Map<string, number>();
    for (const key of keys) {
      const top = rendezvousOrder(key, ["n0", "n1", "n2"])[0] as string;
      counts.set(top, (counts.get(top) ?? 0) + 1);
      expect(rendezvousOrder(key, ["n2", "n0", "n1"])[0]).toBe(top);
    }
    for (const count of counts.values()) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });

  test("removing a node moves only that node's keys, each to its second choice", () => {
    let moved = 0;
    for (const key of keys) {
      const [top, next] = rendezvousOrder(key, ["n0", "n1", "n2"]) as [string, string];
      const without = rendezvousOrder(key, ["n0", "n2"])[0];
      if (top === "n1") {
        moved++;
        expect(without).toBe(next);
      } else expect(without).toBe(top);
    }
    expect(moved).toBeGreaterThan(800);
  });
});
