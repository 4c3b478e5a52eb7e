import { describe, expect, it } from "vitest";
import { packByGas } from "../src/finalizer.js";

const item = (id: number, gas: number | undefined) => ({
  id: BigInt(id),
  gas: gas === undefined ? undefined : BigInt(gas),
});

describe("finalize batches packed by gas", () => {
  it("fills batches up to the gas budget and the batch size, in order", () => {
    const items = [item(1, 300_000), item(2, 300_000), item(3, 300_000), item(4, 100_000)];
    expect(packByGas(items, 700_000n, 20)).toEqual([
      [1n, 2n],
      [3n, 4n],
    ]);
    expect(packByGas(items, 10_000_000n, 3)).toEqual([[1n, 2n, 3n], [4n]]);
  });

  it("gives a request over the budget a batch of its own, so it cannot sink the others", () => {
    // A composite with 16 parts and 32 fresh payees: millions of gas.
    const items = [item(1, 200_000), item(2, 7_600_000), item(3, 200_000)];
    expect(packByGas(items, 4_000_000n, 20)).toEqual([[1n], [2n], [3n]]);
  });

  it("leaves out requests that would revert now (no estimate)", () => {
    expect(packByGas([item(1, undefined), item(2, 100_000), item(3, undefined)], 1_000_000n, 20)).toEqual([
      [2n],
    ]);
    expect(packByGas([], 1_000_000n, 20)).toEqual([]);
  });
});
