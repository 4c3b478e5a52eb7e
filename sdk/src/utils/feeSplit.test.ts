import { type Address, zeroAddress } from "viem";
import { describe, expect, test } from "vitest";
import { type SplitFeeParameters, splitFee } from "./feeSplit.js";

const account = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const base: SplitFeeParameters = {
  fee: 1_000_000n,
  protocolFeeBps: 500,
  executorFeeBps: 1000,
  modelFeeBps: 3000,
  executor: account(1),
  treasury: account(2),
  modelRecipients: [{ account: account(3), weightBps: 10_000n }],
  attributions: [
    { contributionId: 1n, weightBps: 6000, payee: account(4), datanetId: 1n },
    { contributionId: 2n, weightBps: 2500, payee: account(5), datanetId: 2n },
  ],
  datanets: [
    { datanetId: 1n, owner: account(6) },
    { datanetId: 2n, owner: account(7) },
  ],
};

// Base case: data share 550,000, attributed 330,000 + 137,500, unattributed 82,500 shared by the
// two datanets in proportion to their attributed weight (6000 and 2500 of 8500).
const unattributed = 82_500n;
const byWeight = (bps: bigint, of = 8500n, amount = unattributed) => (amount * bps) / of;

function total(split: ReturnType<typeof splitFee>) {
  return (
    split.treasury.amount +
    split.executor.amount +
    [...split.modelOwners, ...split.contributors, ...split.datanetOwners].reduce((s, p) => s + p.amount, 0n)
  );
}

describe("splitFee", () => {
  test.each([
    {
      name: "shares by basis points, the unattributed data share to the attributed datanets by weight",
      parameters: base,
      expected: {
        executor: 100_000n,
        model: 300_000n,
        attributed: 467_500n,
        unattributed: byWeight(6000n) + byWeight(2500n),
      },
    },
    {
      name: "rounding remainders go to the treasury",
      parameters: { ...base, fee: 999n },
      // executor 99, model 299, data share 549: 329 + 137 attributed, 82 unattributed by weight.
      expected: {
        treasury: 999n - 99n - 299n - 466n - (byWeight(6000n, 8500n, 82n) + byWeight(2500n, 8500n, 82n)),
        executor: 99n,
        model: 299n,
        attributed: 466n,
        unattributed: byWeight(6000n, 8500n, 82n) + byWeight(2500n, 8500n, 82n),
      },
    },
    {
      name: "a datanet without an owner leaves its part to the treasury",
      parameters: {
        ...base,
        datanets: [
          { datanetId: 1n, owner: account(6) },
          { datanetId: 2n, owner: zeroAddress },
        ],
      },
      expected: {
        treasury: 50_000n + unattributed - byWeight(6000n),
        executor: 100_000n,
        model: 300_000n,
        attributed: 467_500n,
        unattributed: byWeight(6000n),
      },
    },
    {
      name: "contributions of one datanet add up; a datanet nothing was attributed from earns nothing",
      parameters: {
        ...base,
        attributions: [
          { contributionId: 1n, weightBps: 6000, payee: account(4), datanetId: 1n },
          { contributionId: 2n, weightBps: 2500, payee: account(5), datanetId: 1n },
        ],
      },
      expected: {
        treasury: 50_000n,
        executor: 100_000n,
        model: 300_000n,
        attributed: 467_500n,
        unattributed,
      },
    },
    {
      name: "malformed revenue shares (a zero account) pay the model share to the treasury",
      parameters: { ...base, modelRecipients: [{ account: zeroAddress, weightBps: 10_000n }] },
      expected: {
        treasury: 1_000_000n - 100_000n - 467_500n - (byWeight(6000n) + byWeight(2500n)),
        executor: 100_000n,
        model: 0n,
        attributed: 467_500n,
      },
    },
    {
      name: "revenue shares above 100 % count as none",
      parameters: {
        ...base,
        modelRecipients: [
          { account: account(3), weightBps: 6000n },
          { account: account(8), weightBps: 6000n },
        ],
      },
      expected: { executor: 100_000n, model: 0n, attributed: 467_500n },
    },
    {
      name: "fully attributed: nothing for the datanet owners",
      parameters: {
        ...base,
        attributions: [{ contributionId: 1n, weightBps: 10_000, payee: account(4), datanetId: 1n }],
      },
      expected: {
        treasury: 50_000n,
        executor: 100_000n,
        model: 300_000n,
        attributed: 550_000n,
        unattributed: 0n,
      },
    },
    {
      name: "no attribution: the whole data share to the treasury",
      parameters: { ...base, attributions: [] },
      expected: {
        treasury: 50_000n + 550_000n,
        executor: 100_000n,
        model: 300_000n,
        attributed: 0n,
        unattributed: 0n,
      },
    },
  ])("$name", ({ parameters, expected }) => {
    const split = splitFee(parameters);
    expect(split.totals).toMatchObject(expected);
    expect(total(split)).toBe(parameters.fee);
    expect(split.totals.dataShare).toBe(
      (parameters.fee *
        BigInt(10_000 - parameters.protocolFeeBps - parameters.executorFeeBps - parameters.modelFeeBps)) /
        10_000n,
    );
  });

  test("names every payee with its amount", () => {
    const split = splitFee(base);
    expect(split.contributors).toEqual([
      { contributionId: 1n, payee: account(4), weightBps: 6000, amount: 330_000n },
      { contributionId: 2n, payee: account(5), weightBps: 2500, amount: 137_500n },
    ]);
    expect(split.datanetOwners).toEqual([
      { datanetId: 1n, owner: account(6), amount: byWeight(6000n) },
      { datanetId: 2n, owner: account(7), amount: byWeight(2500n) },
    ]);
    expect(split.modelOwners).toEqual([{ account: account(3), weightBps: 10_000n, amount: 300_000n }]);
    expect(split.executor).toEqual({ account: account(1), amount: 100_000n });
    // The protocol share and the remainder of the datanets' floor divisions.
    expect(split.treasury).toEqual({
      account: account(2),
      amount: 50_000n + unattributed - byWeight(6000n) - byWeight(2500n),
    });
  });
});
