import type { Address } from "viem";
import { describe, expect, it } from "vitest";
import { sortKeepers } from "../src/executor.js";

const a = "0x00000000000000000000000000000000000000aa" as Address;
const b = "0x00000000000000000000000000000000000000Bb" as Address;
const c = "0x0000000000000000000000000000000000000Ccc" as Address;

describe("keeper order", () => {
  it("sorts keepers by address value and drops duplicates whatever their case", () => {
    expect(sortKeepers([c, a, b, a.toUpperCase().replace("0X", "0x") as Address])).toEqual([
      a.toUpperCase().replace("0X", "0x"),
      b,
      c,
    ]);
  });
});
