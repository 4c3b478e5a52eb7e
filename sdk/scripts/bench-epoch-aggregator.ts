// Times aggregateEpoch (split every call, build the cumulative tree) over epochs of 10,000 metered
// calls: 100 requesters, 3 keepers, 20 models, 4 attributions per call over 2,000 contributions,
// a previous tree of every earner. Prints milliseconds per 10,000 calls, the split alone and the
// tree alone, the median of several runs.
import { cpus, loadavg } from "node:os";
import { type Address, getAddress, type Hex } from "viem";
import { aggregateEpoch, type EpochChannel, type MeteredCall } from "../src/utils/epochAggregator.js";
import { createEpochTree } from "../src/utils/epochTree.js";
import { splitFee } from "../src/utils/feeSplit.js";

const CALLS = Number(process.env.CALLS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 7);
const address = (tag: number, n: number) =>
  getAddress(`0x${tag.toString(16).padStart(2, "0")}${n.toString(16).padStart(38, "0")}`);
const requesters = Array.from({ length: 100 }, (_, i) => address(1, i));
const keepers = Array.from({ length: 3 }, (_, i) => address(2, i));
const developers = Array.from({ length: 20 }, (_, i) => address(3, i));
const payees = Array.from({ length: 2000 }, (_, i) => address(4, i));
const datanetOwners = Array.from({ length: 10 }, (_, i) => address(5, i));
const split = { protocolFeeBps: 500, executorFeeBps: 1500, modelFeeBps: 4000, treasury: address(6, 0) };

// A fixed xorshift sequence, so every run aggregates the same epoch.
let seed = 42;
const next = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};

function epoch() {
  const calls: MeteredCall[] = [];
  const owed = new Map<string, bigint>();
  for (let i = 0; i < CALLS; ++i) {
    const requester = requesters[next(requesters.length)] as Address;
    const keeper = keepers[next(keepers.length)] as Address;
    const model = next(developers.length);
    const cost = 10n ** 15n + BigInt(next(1000)) * 10n ** 12n;
    const attributions = [0, 1, 2, 3].map((k) => {
      const contributionId = BigInt(model * 100 + next(100));
      return {
        contributionId: contributionId + BigInt(k) * 10_000n,
        weightBps: 2000,
        payee: payees[next(payees.length)] as Address,
        datanetId: BigInt(model % datanetOwners.length),
      };
    });
    calls.push({
      requester,
      keeper,
      cost,
      modelRecipients: [{ account: developers[model] as Address, weightBps: 10_000n }],
      attributions,
      datanets: [
        {
          datanetId: BigInt(model % datanetOwners.length),
          owner: datanetOwners[model % datanetOwners.length] as Address,
        },
      ],
    });
    const key = `${requester}:${keeper}`;
    owed.set(key, (owed.get(key) ?? 0n) + cost);
  }
  const channels: EpochChannel[] = [...owed].map(([key, amount]) => {
    const [requester, keeper] = key.split(":") as [Address, Address];
    return {
      voucher: { requester, keeper, cumulativeSpend: amount, expiry: 0n },
      signature: "0x" as Hex,
      settledSpend: 0n,
    };
  });
  const balances = new Map(requesters.map((r) => [r, 10n ** 24n]));
  return { calls, channels, balances };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const { calls, channels, balances } = epoch();
const first = aggregateEpoch({ epoch: 1n, totalSpent: 0n, calls, channels, balances, split, dataURI: "" });

const full: number[] = [];
const splitOnly: number[] = [];
const treeOnly: number[] = [];
for (let run = 0; run < RUNS; ++run) {
  let start = performance.now();
  // The second epoch: every channel settled once, the previous tree carried forward.
  aggregateEpoch({
    epoch: 2n,
    previous: first.tree,
    totalSpent: first.report.cumulativeTotal,
    calls,
    channels: channels.map((c) => ({
      ...c,
      settledSpend: c.voucher.cumulativeSpend,
      voucher: { ...c.voucher, cumulativeSpend: 2n * c.voucher.cumulativeSpend },
    })),
    balances,
    split,
    dataURI: "",
  });
  full.push(performance.now() - start);

  start = performance.now();
  for (const call of calls) splitFee({ ...split, fee: call.cost, executor: call.keeper, ...call });
  splitOnly.push(performance.now() - start);

  start = performance.now();
  createEpochTree(new Map(first.tree.entries.map((e) => [e.account, e.cumulative])));
  treeOnly.push(performance.now() - start);
}
const per10k = (ms: number) => ((ms * 10_000) / CALLS).toFixed(1);
console.log(`${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)} (timings grow with it)`);
console.log(
  `epoch of ${CALLS} calls, ${channels.length} channels, ${first.tree.entries.length} earners, median of ${RUNS} runs`,
);
console.log(`  aggregateEpoch          ${per10k(median(full))} ms per 10k calls`);
console.log(`  of which splitFee       ${per10k(median(splitOnly))} ms per 10k calls`);
console.log(
  `  of which the tree       ${median(treeOnly).toFixed(1)} ms (${first.tree.entries.length} leaves)`,
);
