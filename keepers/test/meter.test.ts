import { describe, expect, it } from "vitest";
import { proposerOf } from "../src/epochs.js";
import { checkVoucher, type VoucherCheck } from "../src/meter.js";

const requester = "0x1111111111111111111111111111111111111111" as const;
const keeper = "0x2222222222222222222222222222222222222222" as const;
const other = "0x3333333333333333333333333333333333333333" as const;

/** A call of cost 10 on a channel that settled 100 and served 130 since: the voucher must say 140. */
const base: VoucherCheck = {
  voucher: { requester, keeper, cumulativeSpend: 140n, expiry: 2_000n },
  signer: requester,
  keeper,
  now: 1_000n,
  minLifetime: 600n,
  settled: 100n,
  served: 130n,
  cost: 10n,
  available: 40n,
};

describe("checkVoucher", () => {
  const rows: [
    string,
    Partial<VoucherCheck> & { cumulativeSpend?: bigint; expiry?: bigint },
    string | undefined,
  ][] = [
    ["pays the call", {}, undefined],
    [
      "pays the first call of a fresh channel",
      { settled: 0n, served: 0n, cumulativeSpend: 10n, available: 10n },
      undefined,
    ],
    [
      "a served amount below the settled one counts as settled",
      { served: 50n, cumulativeSpend: 110n },
      undefined,
    ],
    ["for another keeper", { keeper: other }, "voucher_wrong_keeper"],
    ["signed by someone else", { signer: other }, "voucher_signature_invalid"],
    ["a signature that does not recover", { signer: undefined }, "voucher_signature_invalid"],
    ["expiring before the next settlement", { expiry: 1_599n }, "voucher_expired"],
    ["valid exactly long enough", { expiry: 1_600n }, undefined],
    ["a replay of the last served voucher", { cumulativeSpend: 130n }, "voucher_replayed"],
    ["an older voucher", { cumulativeSpend: 120n }, "voucher_replayed"],
    ["a settled voucher", { cumulativeSpend: 100n }, "voucher_replayed"],
    ["less than the call costs", { cumulativeSpend: 139n }, "voucher_amount_mismatch"],
    ["more than the call costs", { cumulativeSpend: 141n }, "voucher_amount_mismatch"],
    ["a balance below what the channel would owe", { available: 39n }, "insufficient_balance"],
    ["a withdrawal requested (nothing available)", { available: 0n }, "insufficient_balance"],
  ];
  it.each(rows)("%s", (_, change, code) => {
    const { cumulativeSpend, expiry, ...rest } = change;
    const voucher = {
      ...base.voucher,
      ...(cumulativeSpend === undefined ? {} : { cumulativeSpend }),
      ...(expiry === undefined ? {} : { expiry }),
    };
    const refusal = checkVoucher({ ...base, ...rest, voucher });
    expect(refusal?.code).toBe(code);
    if (refusal) {
      expect(refusal.status).toBeGreaterThanOrEqual(400);
      expect(refusal.status).toBeLessThan(500);
      expect(refusal.message.length).toBeGreaterThan(0);
    }
  });

  it("tells the requester the amount to sign when it got it wrong", () => {
    const refusal = checkVoucher({ ...base, voucher: { ...base.voucher, cumulativeSpend: 150n } });
    expect(refusal?.details).toEqual({ cumulativeSpend: "140" });
  });
});

describe("proposerOf", () => {
  const a = "0x00000000000000000000000000000000000000aa" as const;
  const b = "0x00000000000000000000000000000000000000Bb" as const;
  const c = "0x00000000000000000000000000000000000000cc" as const;
  it.each([
    [0n, [c, a, b], a],
    [1n, [c, a, b], b],
    [2n, [b, c, a], c],
    [3n, [a, b, c], a],
    // Every keeper sees the list in another order and case: the slot's keeper is the same.
    [4n, [b.toLowerCase() as `0x${string}`, c, a, a], b],
    [7n, [a], a],
  ] as const)("slot %s of %j is %s", (slot, keepers, expected) => {
    expect(proposerOf(slot, keepers).toLowerCase()).toBe(expected.toLowerCase());
  });

  it("refuses an empty set", () => {
    expect(() => proposerOf(0n, [])).toThrow("no keepers");
  });
});
