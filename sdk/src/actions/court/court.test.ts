import { type Address, parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import {
  keeperAccounts,
  keeperIndexes,
  modelOnDatanet,
  passTime,
  reportFor,
  roles,
  signReport,
  stakeKeepers,
} from "../../../test/fixtures.js";
import { ContractRevertedError } from "../../errors/contract.js";
import { keeperRegistryAbi, openTokenAbi, reportCourtAbi } from "../../generated/abis.js";
import { contentHash } from "../../utils/contentHash.js";
import { finalizeRequests } from "../inference/finalizeRequests.js";
import { getRequest } from "../inference/getRequest.js";
import { requestInference } from "../inference/requestInference.js";
import { signAttributionReport } from "../inference/signAttributionReport.js";
import { submitReport } from "../inference/submitReport.js";
import { waitForReport } from "../inference/waitForReport.js";
import { disputeReport } from "./disputeReport.js";
import { executeDispute } from "./executeDispute.js";
import { type Dispute, type DisputeStatus, disputeStatusAt, getDispute } from "./getDispute.js";
import { proveEquivocation } from "./proveEquivocation.js";
import { ruleDispute } from "./ruleDispute.js";

const chain = sharedChain();
const { contracts, publicClient, wallet, chainId } = chain;
// On a local network the deployer (anvil account 0) is the court's guardian.
const guardian = wallet(0);
// Neither the requester nor a signer, so it earns the challenger's part of an upheld slash.
const disputer = wallet(roles.contributor);

const readKeepers = <T>(functionName: string, args: readonly unknown[] = []) =>
  publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const stakeOf = (keeper: Address) => readKeepers<bigint>("stakeOf", [keeper]);
const stakes = () => Promise.all(keeperAccounts.map((a) => stakeOf(a.address)));
const balanceOf = (account: Address) =>
  publicClient.readContract({
    address: contracts.OpenToken,
    abi: openTokenAbi,
    functionName: "balanceOf",
    args: [account],
  });
const courtParameters = () =>
  publicClient.readContract({
    address: contracts.ReportCourt,
    abi: reportCourtAbi,
    functionName: "parameters",
  });
const now = async () => (await publicClient.getBlock()).timestamp;

async function openRequest(text: string) {
  const { modelId } = await modelOnDatanet(chain, [text]);
  await stakeKeepers(chain);
  const { requestId, fee } = await requestInference(wallet(roles.user), {
    contracts,
    modelId,
    inputHash: contentHash(`question about ${text}`),
    inputURI: `blob:${text}`,
    maxFee: parseEther("2"),
  });
  return { requestId, fee };
}

/** A request with a report all three keepers signed, inside its challenge window. */
async function reportedRequest(text: string) {
  const { requestId, fee } = await openRequest(text);
  const report = await reportFor(chain, requestId);
  await submitReport(wallet(keeperIndexes[0]), {
    contracts,
    report,
    signatures: await signReport(chain, report),
  });
  return { requestId, fee, report };
}

describe("court actions", () => {
  test("an upheld dispute freezes the request, then voids the report and slashes its signers", async () => {
    const { requestId, fee } = await reportedRequest("court upheld");
    const { minBond, bondFeeBps } = await courtParameters();
    const share = (fee * BigInt(bondFeeBps)) / 10_000n;
    const expectedBond = share > minBond ? share : minBond;
    const balanceBefore = await balanceOf(disputer.account.address);
    const stakesBefore = await stakes();

    const { bond, dispute } = await disputeReport(disputer, {
      contracts,
      requestId,
      evidenceURI: "ipfs://evidence",
    });
    expect(bond).toBe(expectedBond);
    expect(dispute).toMatchObject({
      disputer: disputer.account.address,
      round: 0,
      bond,
      statusName: "open",
      rulingName: "none",
      executed: false,
    });
    expect(await balanceOf(disputer.account.address)).toBe(balanceBefore - bond);
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("disputed");
    // The report under dispute is still the request's report.
    const held = await waitForReport(publicClient, {
      contracts,
      requestId,
      pollingIntervalMs: 50,
      timeoutMs: 5000,
    });
    expect(held.digest).toBe((await getRequest(publicClient, { contracts, requestId })).reportDigest);
    for (const account of keeperAccounts) {
      expect(await readKeepers<bigint>("frozenUntil", [account.address])).toBeGreaterThanOrEqual(
        dispute.resolveBy + dispute.appealWindow,
      );
    }
    await expect(
      disputeReport(disputer, { contracts, requestId, evidenceURI: "ipfs://again" }),
    ).rejects.toMatchObject({ errorName: "CourtDisputeOpen", args: [requestId, 0] });
    await expect(
      ruleDispute(wallet(roles.user), { contracts, requestId, upheld: true }),
    ).rejects.toMatchObject({
      errorName: "CourtCallerNotJudge",
      args: [wallet(roles.user).account.address],
    });

    const ruled = await ruleDispute(guardian, { contracts, requestId, upheld: true });
    expect(ruled.by).toBe(guardian.account.address);
    expect(ruled.executableAt).toBe(dispute.appealWindow + (await now()));
    expect((await getDispute(publicClient, { contracts, requestId })).statusName).toBe("ruled");
    const early = await executeDispute(disputer, { contracts, requestId }).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(ContractRevertedError);
    expect(early).toMatchObject({ errorName: "CourtNotExecutable", args: [requestId, ruled.executableAt] });

    await passTime(chain, ruled.executableAt - (await now()));
    expect((await getDispute(publicClient, { contracts, requestId })).statusName).toBe("executable");
    const slashBps = BigInt(await readKeepers<number>("disputeSlashBps"));
    const rewardBps = BigInt(await readKeepers<number>("challengerRewardBps"));
    const { upheld, slashed, forfeited } = await executeDispute(disputer, { contracts, requestId });
    expect(upheld).toBe(true);
    expect(forfeited).toBeUndefined();
    const perKeeper = stakesBefore.map((stake) => (stake * slashBps) / 10_000n);
    expect(slashed).toBe(perKeeper.reduce((a, b) => a + b, 0n));
    expect(await stakes()).toEqual(stakesBefore.map((stake, i) => stake - (perKeeper[i] ?? 0n)));
    // The bond returns, with the challenger's part of every slash.
    const reward = perKeeper.reduce((sum, amount) => sum + (amount * rewardBps) / 10_000n, 0n);
    expect(await balanceOf(disputer.account.address)).toBe(balanceBefore + reward);

    const reopened = await getRequest(publicClient, { contracts, requestId });
    expect(reopened.statusName).toBe("open");
    expect(reopened.round).toBe(1);
    expect(await getDispute(publicClient, { contracts, requestId })).toMatchObject({
      statusName: "executed",
      rulingName: "upheld",
      executed: true,
    });
  });

  test("a rejected dispute forfeits the bond and lets the report be finalized at once", async () => {
    const { requestId, report } = await reportedRequest("court rejected");
    const stakesBefore = await stakes();
    const { bond } = await disputeReport(disputer, { contracts, requestId, evidenceURI: "ipfs://weak" });
    const { executableAt } = await ruleDispute(guardian, { contracts, requestId, upheld: false });
    await passTime(chain, executableAt - (await now()));

    const executorBefore = await balanceOf(report.executor);
    const { upheld, slashed, forfeited } = await executeDispute(wallet(roles.user), { contracts, requestId });
    expect({ upheld, slashed }).toEqual({ upheld: false, slashed: 0n });
    expect(forfeited).toEqual({
      executor: report.executor,
      executorAmount: bond / 2n,
      treasuryAmount: bond - bond / 2n,
    });
    expect(await balanceOf(report.executor)).toBe(executorBefore + bond / 2n);
    expect(await stakes()).toEqual(stakesBefore);
    expect(await getDispute(publicClient, { contracts, requestId })).toMatchObject({
      statusName: "executed",
      rulingName: "rejected",
    });

    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("reported");
    const { finalized } = await finalizeRequests(wallet(roles.user), { contracts, requestIds: [requestId] });
    expect(finalized.map((f) => f.requestId)).toEqual([requestId]);
    expect((await getRequest(publicClient, { contracts, requestId })).statusName).toBe("finalized");
  });

  test("proveEquivocation slashes a keeper that signed two reports of one round, once", async () => {
    const { requestId } = await openRequest("court equivocation");
    const keeper = keeperAccounts[0] as (typeof keeperAccounts)[number];
    const reportA = await reportFor(chain, requestId);
    const reportB = { ...reportA, outputHash: contentHash("another answer") };
    const sign = (report: typeof reportA) =>
      signAttributionReport(keeper, { chainId, market: contracts.InferenceMarket, report });
    const [a, b] = await Promise.all([sign(reportA), sign(reportB)]);
    const stakeBefore = await stakeOf(keeper.address);
    const slashBps = BigInt(await readKeepers<number>("equivocationSlashBps"));

    const proof = { contracts, reportA, signatureA: a.signature, reportB, signatureB: b.signature };
    const proven = await proveEquivocation(wallet(roles.user), proof);
    expect(proven.keeper).toBe(keeper.address);
    expect(proven.round).toBe(reportA.round);
    expect(proven.slashed).toBe((stakeBefore * slashBps) / 10_000n);
    expect(await stakeOf(keeper.address)).toBe(stakeBefore - proven.slashed);

    // The same equivocation is slashed once; one report twice proves nothing.
    expect((await proveEquivocation(wallet(roles.user), proof)).slashed).toBe(0n);
    await expect(
      proveEquivocation(wallet(roles.user), { ...proof, reportB: reportA, signatureB: a.signature }),
    ).rejects.toMatchObject({ errorName: "CourtSameReport", args: [proven.digestA] });
  });

  test("disputing a request that has no report is refused with MarketRequestNotReported", async () => {
    const { requestId } = await openRequest("court unreported");
    const refused = await disputeReport(disputer, {
      contracts,
      requestId,
      evidenceURI: "ipfs://early",
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ContractRevertedError);
    // RequestStatus.Open is 1.
    expect(refused).toMatchObject({ errorName: "MarketRequestNotReported", args: [requestId, 1] });
    expect((await getDispute(publicClient, { contracts, requestId })).statusName).toBe("none");
  });

  test("disputeStatusAt follows the court's executability rules", () => {
    const base = { openedAt: 100n, executed: false, ruling: 0, resolveBy: 200n, executableAt: 0n };
    const cases: [
      Partial<Pick<Dispute, "openedAt" | "executed" | "ruling" | "executableAt">>,
      bigint,
      DisputeStatus,
    ][] = [
      [{ openedAt: 0n }, 150n, "none"],
      [{}, 199n, "open"],
      [{}, 200n, "executable"],
      [{ ruling: 1, executableAt: 260n }, 259n, "ruled"],
      [{ ruling: 2, executableAt: 260n }, 260n, "executable"],
      [{ ruling: 1, executableAt: 260n, executed: true }, 300n, "executed"],
    ];
    for (const [fields, timestamp, status] of cases) {
      expect(disputeStatusAt({ ...base, ...fields }, timestamp)).toBe(status);
    }
  });
});
