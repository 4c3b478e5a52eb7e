import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, getAddress, type Hex } from "viem";
import { describe, expect, test } from "vitest";
import { aggregateEpoch, type EpochChannel, type MeteredCall } from "./epochAggregator.js";
import { createEpochTree, epochTreeLeafEncoding, loadEpochTree } from "./epochTree.js";
import { splitFee } from "./feeSplit.js";

const address = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const alice = address(1);
const bob = address(2);
const keeperA = address(3);
const keeperB = address(4);
const treasury = address(5);
const developer = address(6);
const contributor1 = address(7);
const contributor2 = address(8);
const datanetOwner = address(9);
const split = { protocolFeeBps: 500, executorFeeBps: 1500, modelFeeBps: 4000, treasury };
const signature = "0x01" as Hex;

function call(requester: Address, keeper: Address, cost: bigint): MeteredCall {
  return {
    requester,
    keeper,
    cost,
    modelRecipients: [{ account: developer, weightBps: 10_000n }],
    attributions: [
      { contributionId: 1n, weightBps: 6000, payee: contributor1, datanetId: 1n },
      { contributionId: 2n, weightBps: 2500, payee: contributor2, datanetId: 1n },
    ],
    datanets: [{ datanetId: 1n, owner: datanetOwner }],
  };
}

function channel(
  requester: Address,
  keeper: Address,
  cumulativeSpend: bigint,
  settledSpend = 0n,
): EpochChannel {
  return { voucher: { requester, keeper, cumulativeSpend, expiry: 10n }, signature, settledSpend };
}

const base = { epoch: 1n, totalSpent: 0n, split, dataURI: "blob:epoch" };

describe("aggregateEpoch", () => {
  test("splits each call as the market does and sums to the epoch's spend", () => {
    const calls = [call(alice, keeperA, 1000n), call(alice, keeperA, 333n), call(bob, keeperB, 7n)];
    const { report, tree, debits } = aggregateEpoch({
      ...base,
      calls,
      channels: [channel(alice, keeperA, 1333n), channel(bob, keeperB, 7n)],
      balances: new Map([
        [alice, 10_000n],
        [bob, 10_000n],
      ]),
    });
    expect(report).toMatchObject({
      epoch: 1n,
      spend: 1340n,
      cumulativeTotal: 1340n,
      calls: 3n,
      root: tree.root,
    });
    expect(debits.every((d) => d.shortfall === 0n)).toBe(true);
    const expected = new Map<Address, bigint>();
    for (const c of calls) {
      const parts = splitFee({ ...split, fee: c.cost, executor: c.keeper, ...c });
      for (const [account, amount] of [
        [parts.treasury.account, parts.treasury.amount],
        [parts.executor.account, parts.executor.amount],
        ...parts.modelOwners.map((m) => [m.account, m.amount] as const),
        ...parts.contributors.map((m) => [m.payee, m.amount] as const),
        ...parts.datanetOwners.map((m) => [m.owner, m.amount] as const),
      ] as const) {
        expected.set(account, (expected.get(account) ?? 0n) + amount);
      }
    }
    for (const [account, amount] of expected) expect(tree.cumulativeOf(account)).toBe(amount);
    expect(tree.cumulativeOf(keeperA)).toBe(199n); // 150 + 49
  });

  test("adds to the previous epoch's cumulative earnings", () => {
    const first = aggregateEpoch({
      ...base,
      calls: [call(alice, keeperA, 1000n)],
      channels: [channel(alice, keeperA, 1000n)],
      balances: new Map([[alice, 5000n]]),
    });
    const second = aggregateEpoch({
      ...base,
      epoch: 2n,
      previous: first.tree,
      totalSpent: 1000n,
      calls: [call(alice, keeperA, 1000n)],
      channels: [channel(alice, keeperA, 2000n, 1000n)],
      balances: new Map([[alice, 4000n]]),
    });
    expect(second.report.cumulativeTotal).toBe(2000n);
    expect(second.tree.cumulativeOf(contributor1)).toBe(2n * first.tree.cumulativeOf(contributor1));
  });

  test("debits a short balance as the ledger does: channel by channel, calls in order", () => {
    const { report, debits, tree } = aggregateEpoch({
      ...base,
      calls: [call(alice, keeperA, 600n), call(alice, keeperB, 300n), call(alice, keeperB, 300n)],
      channels: [channel(alice, keeperA, 600n), channel(alice, keeperB, 600n)],
      balances: new Map([[alice, 800n]]),
    });
    expect(debits.map((d) => [d.debited, d.shortfall])).toEqual([
      [600n, 0n],
      [200n, 400n],
    ]);
    expect(report.spend).toBe(800n);
    expect(tree.cumulativeTotal).toBe(800n);
    // keeperB served 300 and 300 but was paid for 200 of the first call only.
    expect(tree.cumulativeOf(keeperB)).toBe(30n);
  });

  test.each([
    [
      "a voucher that does not cover its calls",
      { calls: [call(alice, keeperA, 5n)], channels: [channel(alice, keeperA, 6n)] },
      /spends 6; its calls cost 5/,
    ],
    ["calls without a voucher", { calls: [call(alice, keeperA, 5n)], channels: [] }, /have no voucher/],
    [
      "a channel listed twice",
      {
        calls: [call(alice, keeperA, 5n)],
        channels: [channel(alice, keeperA, 5n), channel(alice, keeperA, 5n)],
      },
      /listed twice/,
    ],
    [
      "spend debited before but missing from the tree (a voided epoch's calls not carried)",
      { totalSpent: 50n, calls: [call(alice, keeperA, 5n)], channels: [channel(alice, keeperA, 5n)] },
      /tree sums to 5; the ledger will have debited 55/,
    ],
  ])("refuses %s", (_, parameters, message) => {
    expect(() => aggregateEpoch({ ...base, balances: new Map([[alice, 100n]]), ...parameters })).toThrow(
      message,
    );
  });

  test("carries the calls of a voided epoch without a voucher", () => {
    const { report, tree } = aggregateEpoch({
      ...base,
      epoch: 2n,
      totalSpent: 50n,
      carriedCalls: [call(bob, keeperB, 50n)],
      calls: [call(alice, keeperA, 5n)],
      channels: [channel(alice, keeperA, 5n)],
      balances: new Map([[alice, 100n]]),
    });
    expect(report.cumulativeTotal).toBe(55n);
    expect(tree.cumulativeTotal).toBe(55n);
  });
});

describe("epoch tree", () => {
  test("proofs verify as StandardMerkleTree (and MerkleProof on-chain) verify them, and survive JSON", () => {
    const tree = createEpochTree(
      new Map([
        [alice, 6n],
        [bob, 4n],
        [keeperA, 0n],
      ]),
    );
    expect(tree.entries).toHaveLength(2);
    expect(tree.cumulativeTotal).toBe(10n);
    const loaded = loadEpochTree(JSON.parse(JSON.stringify(tree.toJSON())));
    expect(loaded.root).toBe(tree.root);
    expect(
      StandardMerkleTree.verify(tree.root, [...epochTreeLeafEncoding], [alice, "6"], loaded.proof(alice)),
    ).toBe(true);
    expect(loaded.cumulativeOf(keeperA)).toBe(0n);
    expect(() => loaded.proof(keeperA)).toThrow(/no earnings/);
  });

  test("refuses an empty tree, negative earnings and a tampered dump", () => {
    expect(() => createEpochTree(new Map())).toThrow(/at least one account/);
    expect(() => createEpochTree(new Map([[alice, -1n]]))).toThrow(/negative/);
    const dump = createEpochTree(new Map([[alice, 6n]])).toJSON() as {
      values: { value: string[] }[];
    };
    (dump.values[0] as { value: string[] }).value[1] = "7";
    expect(() => loadEpochTree(dump)).toThrow(/Invalid epoch tree/);
  });
});
