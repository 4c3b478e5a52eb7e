import { type Address, type Hex, parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import {
  keeperAccounts,
  keeperIndexes,
  modelOnDatanet,
  passTime,
  roles,
  stakeKeepers,
} from "../../../test/fixtures.js";
import type { Voucher } from "../../eip712.js";
import {
  datanetRegistryAbi,
  inferenceMarketAbi,
  modelRegistryAbi,
  openTokenAbi,
  usageLedgerAbi,
} from "../../generated/abis.js";
import { aggregateEpoch, type EpochChannel, type MeteredCall } from "../../utils/epochAggregator.js";
import { createEpochTree, type EpochTree, loadEpochTree } from "../../utils/epochTree.js";
import { sortSignatures } from "../inference/signAttributionReport.js";
import { claimEarnings } from "./claimEarnings.js";
import { depositToLedger } from "./depositToLedger.js";
import { disputeEpoch } from "./disputeEpoch.js";
import { executeEpochDispute } from "./executeEpochDispute.js";
import { getClaimableRoot } from "./getClaimableRoot.js";
import { getLedgerAccount } from "./getLedgerAccount.js";
import { quoteCall } from "./quoteCall.js";
import { requestLedgerWithdrawal } from "./requestLedgerWithdrawal.js";
import { ruleEpochDispute } from "./ruleEpochDispute.js";
import { setLedgerPrice } from "./setLedgerPrice.js";
import { hashEpochReport, signEpochReport } from "./signEpochReport.js";
import { hashVoucher, signVoucher } from "./signVoucher.js";
import { submitEpoch } from "./submitEpoch.js";
import { withdrawFromLedger } from "./withdrawFromLedger.js";

const chain = sharedChain();
const { contracts, publicClient, wallet, chainId, fund } = chain;
const ledger = contracts.UsageLedger;
const user = wallet(roles.user);
// A second requester with a deposit smaller than what it is served.
const smallSpender = wallet(roles.curator);
const keeper = wallet(keeperIndexes[0]);

const read = <T>(functionName: string, args: readonly unknown[] = []) =>
  publicClient.readContract({
    address: ledger,
    abi: usageLedgerAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const openBalance = (account: Address) =>
  publicClient.readContract({
    address: contracts.OpenToken,
    abi: openTokenAbi,
    functionName: "balanceOf",
    args: [account],
  });

/** What every keeper reads on-chain to split a call: the model's revenue shares, payees, datanet owners. */
async function attributionContext(modelId: bigint, contributionIds: readonly bigint[]) {
  const [recipients, weights] = await publicClient.readContract({
    address: contracts.ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "revenueShares",
    args: [modelId],
  });
  const attributions = [];
  const datanets = new Map<bigint, Address>();
  for (const [i, contributionId] of contributionIds.entries()) {
    const [datanetId, payee] = await publicClient.readContract({
      address: contracts.DatanetRegistry,
      abi: datanetRegistryAbi,
      functionName: "contributionPayout",
      args: [contributionId],
    });
    datanets.set(
      datanetId,
      await publicClient.readContract({
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "datanetOwner",
        args: [datanetId],
      }),
    );
    attributions.push({ contributionId, weightBps: 3000 + 1000 * i, payee, datanetId });
  }
  return {
    modelRecipients: recipients.map((account, i) => ({ account, weightBps: weights[i] as bigint })),
    attributions,
    datanets: [...datanets].map(([datanetId, owner]) => ({ datanetId, owner })),
  };
}

async function split() {
  const [parameters, treasury] = await Promise.all([
    publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
    }),
    publicClient.readContract({
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "treasury",
    }),
  ]);
  return { ...parameters, treasury };
}

/** A requester's side of a channel: signs the cumulative spend after each call, as an API client would. */
function channelOf(requester: typeof user) {
  let cumulative = 0n;
  let latest: { voucher: Voucher; signature: Hex } | undefined;
  return {
    async pay(cost: bigint, settled: bigint) {
      cumulative = (cumulative < settled ? settled : cumulative) + cost;
      const voucher = {
        requester: requester.account.address,
        keeper: keeper.account.address,
        cumulativeSpend: cumulative,
        expiry: (await publicClient.getBlock()).timestamp + 3600n,
      };
      latest = { voucher, signature: await signVoucher(requester.account, { chainId, ledger, voucher }) };
      return latest;
    },
    async channel(): Promise<EpochChannel> {
      if (!latest) throw new Error("no calls");
      const { settledSpend } = await getLedgerAccount(publicClient, {
        contracts,
        account: requester.account.address,
        keeper: keeper.account.address,
      });
      return { ...latest, settledSpend };
    },
  };
}

async function settle(
  channels: EpochChannel[],
  calls: MeteredCall[],
  previous: EpochTree | undefined,
  dataURI: string,
  options: { carriedCalls?: MeteredCall[]; root?: Hex } = {},
) {
  const balances = new Map<Address, bigint>();
  for (const { voucher } of channels)
    balances.set(voucher.requester, await read<bigint>("balanceOf", [voucher.requester]));
  const epoch = aggregateEpoch({
    epoch: BigInt(await read<bigint>("epochCount")) + 1n,
    previous,
    totalSpent: await read<bigint>("totalSpent"),
    calls,
    channels,
    balances,
    split: await split(),
    dataURI,
    carriedCalls: options.carriedCalls,
  });
  // A colluding quorum signs another root with the same totals.
  if (options.root) epoch.report = { ...epoch.report, root: options.root };
  expect(await read<Hex>("hashEpochReport", [epoch.report])).toBe(
    hashEpochReport({ chainId, ledger, report: epoch.report }),
  );
  const signatures = sortSignatures(
    await Promise.all(
      keeperAccounts.map((account) => signEpochReport(account, { chainId, ledger, report: epoch.report })),
    ),
  );
  const submitted = await submitEpoch(keeper, {
    contracts,
    report: epoch.report,
    voucherSignatures: epoch.voucherSignatures,
    signatures,
  });
  // The tree travels as JSON (published at dataURI); earners load it to claim.
  return { ...epoch, ...submitted, tree: loadEpochTree(JSON.parse(JSON.stringify(epoch.tree.toJSON()))) };
}

async function claimAll(tree: EpochTree) {
  const paid = new Map<Address, bigint>();
  for (const { account, cumulative } of tree.entries) {
    const before = await openBalance(account);
    const { claimed } = await getLedgerAccount(publicClient, { contracts, account });
    if (claimed === cumulative) continue;
    // Anyone may send the claim; the OPEN goes to the earner.
    const { amount } = await claimEarnings(wallet(0), {
      contracts,
      account,
      cumulative,
      proof: tree.proof(account),
    });
    expect(await openBalance(account)).toBe(before + amount);
    paid.set(account, amount);
  }
  return paid;
}

/** Carried from the first test to the second: the latest accepted tree and one call's context. */
let accepted: { tree: EpochTree; modelId: bigint; context: Awaited<ReturnType<typeof attributionContext>> };

describe("UsageLedger: metered calls settled in epochs", () => {
  test("deposit, per-token price, vouchers, two epochs, cumulative claims, a shortfall and a withdrawal", async () => {
    const { modelId, contributions } = await modelOnDatanet(chain, ["ledger alpha", "ledger beta"]);
    await stakeKeepers(chain);
    await setLedgerPrice(wallet(roles.developer), {
      contracts,
      modelId,
      perRequest: parseEther("0.1"),
      perInputToken: parseEther("0.001"),
      perOutputToken: parseEther("0.002"),
    });
    const { cost, price } = await quoteCall(publicClient, {
      contracts,
      modelId,
      inputTokens: 100n,
      outputTokens: 50n,
    });
    expect(price.perOutputToken).toBe(parseEther("0.002"));
    expect(cost).toBe(parseEther("0.3"));

    await fund(smallSpender.account.address);
    const deposited = await depositToLedger(user, { contracts, amount: parseEther("50") });
    expect(deposited.balance).toBe(parseEther("50"));
    await depositToLedger(smallSpender, { contracts, amount: parseEther("0.5") });
    expect(await hashVoucherOnChain()).toBe(true);

    const context = await attributionContext(
      modelId,
      contributions.map((c) => c.contributionId),
    );
    const userChannel = channelOf(user);
    const smallChannel = channelOf(smallSpender);
    const calls: MeteredCall[] = [];
    // The keeper serves while the available balance covers the voucher's increase over what settled.
    for (const [inputTokens, outputTokens] of [
      [100n, 50n],
      [10n, 400n],
      [1n, 1n],
    ] as const) {
      const quote = await quoteCall(publicClient, { contracts, modelId, inputTokens, outputTokens });
      const account = await getLedgerAccount(publicClient, {
        contracts,
        account: user.account.address,
        keeper: keeper.account.address,
      });
      const { voucher } = await userChannel.pay(quote.cost, account.settledSpend);
      expect(account.available >= voucher.cumulativeSpend - account.settledSpend).toBe(true);
      calls.push({
        requester: user.account.address,
        keeper: keeper.account.address,
        cost: quote.cost,
        ...context,
      });
    }
    // The small spender is served 0.9 OPEN against 0.5: the ledger debits what is left.
    for (let i = 0; i < 3; ++i) {
      await smallChannel.pay(cost, 0n);
      calls.push({
        requester: smallSpender.account.address,
        keeper: keeper.account.address,
        cost,
        ...context,
      });
    }

    const first = await settle(
      [await userChannel.channel(), await smallChannel.channel()],
      calls,
      undefined,
      "blob:epoch-1",
    );
    expect(first.debits.map((d) => d.shortfall)).toEqual([0n, parseEther("0.4")]);
    expect(first.report.spend).toBe(parseEther("1.313") + parseEther("0.5"));
    await expect(
      claimEarnings(wallet(0), {
        contracts,
        account: context.attributions[0]?.payee as Address,
        cumulative: first.tree.cumulativeOf(context.attributions[0]?.payee as Address),
        proof: first.tree.proof(context.attributions[0]?.payee as Address),
      }),
    ).rejects.toMatchObject({ errorName: "LedgerNoClaimableRoot" });

    const window = (await read<{ challengeWindow: bigint }>("parameters")).challengeWindow;
    await passTime(chain, BigInt(window));
    const root = await getClaimableRoot(publicClient, { contracts });
    expect(root).toMatchObject({
      epoch: 1n,
      root: first.report.root,
      cumulativeTotal: first.report.cumulativeTotal,
    });
    const paidFirst = await claimAll(first.tree);
    expect([...paidFirst.values()].reduce((a, b) => a + b, 0n)).toBe(first.report.spend);

    // Epoch 2: one more call; a contributor's claim pays only what it earned since.
    const more = await quoteCall(publicClient, { contracts, modelId, inputTokens: 20n, outputTokens: 20n });
    const settled = (await userChannel.channel()).voucher.cumulativeSpend;
    await userChannel.pay(more.cost, settled);
    const second = await settle(
      [await userChannel.channel()],
      [{ requester: user.account.address, keeper: keeper.account.address, cost: more.cost, ...context }],
      first.tree,
      "blob:epoch-2",
    );
    expect(second.report.cumulativeTotal).toBe(first.report.cumulativeTotal + more.cost);
    await passTime(chain, BigInt(window));
    const paidSecond = await claimAll(second.tree);
    const payee = context.attributions[0]?.payee as Address;
    expect(paidSecond.get(payee)).toBe(second.tree.cumulativeOf(payee) - first.tree.cumulativeOf(payee));
    expect(await read<bigint>("totalClaimed")).toBe(second.report.cumulativeTotal);

    // A replayed voucher is refused with the ledger's error, decoded.
    const replay = await settle([await userChannel.channel()], [], second.tree, "blob:replay").catch(
      (e) => e,
    );
    expect(replay).toMatchObject({ name: "EpochAggregationError" });
    const { voucher, signature } = await userChannel.channel();
    const replayReport = { ...second.report, epoch: 3n, spend: 0n, vouchers: [voucher] };
    await expect(
      submitEpoch(keeper, {
        contracts,
        report: replayReport,
        voucherSignatures: [signature],
        signatures: sortSignatures(
          await Promise.all(
            keeperAccounts.map((a) => signEpochReport(a, { chainId, ledger, report: replayReport })),
          ),
        ),
      }),
    ).rejects.toMatchObject({
      errorName: "LedgerVoucherReplayed",
      args: [0n, voucher.cumulativeSpend, voucher.cumulativeSpend],
    });

    // Withdrawal: locked for the delay, then pays what settled vouchers left.
    const left = await read<bigint>("balanceOf", [user.account.address]);
    const { unlockAt } = await requestLedgerWithdrawal(user, { contracts, amount: parseEther("1000") });
    expect(
      (await getLedgerAccount(publicClient, { contracts, account: user.account.address })).available,
    ).toBe(0n);
    await expect(withdrawFromLedger(user, { contracts })).rejects.toMatchObject({
      errorName: "LedgerWithdrawalLocked",
      args: [user.account.address, unlockAt],
    });
    const delay = (await read<{ withdrawalDelay: bigint }>("parameters")).withdrawalDelay;
    await passTime(chain, BigInt(delay));
    const before = await openBalance(user.account.address);
    const { amount } = await withdrawFromLedger(user, { contracts });
    expect(amount).toBe(left);
    expect(await openBalance(user.account.address)).toBe(before + left);
    accepted = { tree: second.tree, modelId, context };
  });

  test("a wrong root is disputed and voided, never pays, and the next report carries its calls", async () => {
    const { tree, modelId, context } = accepted;
    await depositToLedger(user, { contracts, amount: parseEther("5") });
    const { cost } = await quoteCall(publicClient, {
      contracts,
      modelId,
      inputTokens: 30n,
      outputTokens: 30n,
    });
    const userChannel = channelOf(user);
    const { settledSpend } = await getLedgerAccount(publicClient, {
      contracts,
      account: user.account.address,
      keeper: keeper.account.address,
    });
    await userChannel.pay(cost, settledSpend);
    const served = [{ requester: user.account.address, keeper: keeper.account.address, cost, ...context }];

    // The quorum moves every earning to the requester, keeping the totals right.
    const thief = user.account.address;
    const total = (await read<bigint>("totalSpent")) + cost;
    const unclaimed = new Map([[thief, total]]);
    const wrong = await settle([await userChannel.channel()], served, tree, "blob:wrong", {
      root: createEpochTree(unclaimed).root,
    });
    const disputer = wallet(roles.contributor);
    const { bond } = await disputeEpoch(disputer, {
      contracts,
      epoch: wrong.report.epoch,
      evidenceURI: "blob:evidence",
    });
    expect(bond).toBe((await read<{ disputeBond: bigint }>("parameters")).disputeBond);
    const window = (await read<{ challengeWindow: bigint }>("parameters")).challengeWindow;
    await passTime(chain, BigInt(window));
    expect(await getClaimableRoot(publicClient, { contracts })).toMatchObject({
      epoch: wrong.report.epoch - 1n,
      latest: { epoch: wrong.report.epoch, statusName: "disputed" },
    });
    const stolen = createEpochTree(unclaimed);
    await expect(
      claimEarnings(wallet(0), { contracts, account: thief, cumulative: total, proof: stolen.proof(thief) }),
    ).rejects.toMatchObject({ errorName: "LedgerInvalidProof" });

    // The local guardian is the deployer; its ruling waits for the appeal window.
    const { executableAt } = await ruleEpochDispute(wallet(0), {
      contracts,
      epoch: wrong.report.epoch,
      upheld: true,
    });
    await passTime(chain, executableAt - (await publicClient.getBlock()).timestamp);
    const executed = await executeEpochDispute(wallet(0), { contracts, epoch: wrong.report.epoch });
    expect(executed.upheld).toBe(true);
    expect(executed.slashed > 0n).toBe(true);
    expect((await getClaimableRoot(publicClient, { contracts })).latest.statusName).toBe("voided");

    // The slashed keepers stake again; the next report pays the voided epoch's call, without a voucher.
    await stakeKeepers(chain);
    const next = await settle([], [], tree, "blob:epoch-after-void", { carriedCalls: served });
    expect(next.report.cumulativeTotal).toBe(total);
    await passTime(chain, BigInt(window));
    const paid = await claimAll(next.tree);
    expect([...paid.values()].reduce((a, b) => a + b, 0n)).toBe(cost);
    expect(paid.has(thief)).toBe(false);
  });
});

/** The SDK's voucher digest is the ledger's. */
async function hashVoucherOnChain() {
  const voucher = {
    requester: user.account.address,
    keeper: keeper.account.address,
    cumulativeSpend: 7n,
    expiry: 123n,
  };
  return (await read<Hex>("hashVoucher", [voucher])) === hashVoucher({ chainId, ledger, voucher });
}
