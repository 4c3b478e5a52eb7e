/**
 * Metered calls on the network `npm start` runs (startLocalNetwork, on free ports and its own
 * chain id): a requester deposits on the UsageLedger, calls the demo model through two keepers
 * with a signed voucher per call, priced per request and per token; bad vouchers are refused and
 * cost nothing; the quorum settles the epoch on-chain; every earner claims with a proof a keeper
 * hands out and receives exactly its split; a keeper that was down when the epoch was proposed
 * gets its calls into the next epoch; forged epoch reports are refused by co-signers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoFacts, demoKeys, type LocalNetwork, startLocalNetwork, uploadBlob } from "@payable-ai/devnet";
import {
  claimEarnings,
  datanetRegistryAbi,
  depositToLedger,
  inferenceMarketAbi,
  loadEpochTree,
  modelAdapterId,
  modelRegistryAbi,
  openTokenAbi,
  setLedgerPrice,
  signVoucher,
  splitFee,
  usageLedgerAbi,
  usageLedgerDomain,
  type Voucher,
  voucherTypes,
} from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import { type Address, getAddress, type Hex, parseEther, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAIN_ID = 31_443;

type Quote = {
  cost: string;
  cumulativeSpend: string;
  minExpiry: string;
  promptTokens: string;
  keeper: Address;
};
type CallJson = {
  requester: Address;
  keeper: Address;
  modelId: string;
  blockNumber: string;
  cost: string;
  promptTokens: string;
  maxTokens: string;
  attributions: { contributionId: string; weightBps: number }[];
  voucher: { requester: Address; keeper: Address; cumulativeSpend: string; expiry: string };
  signature: Hex;
  outputHash: Hex;
  inputHash: Hex;
  attributionVersion: number;
};

describe("metered calls on the npm start network", () => {
  let network: LocalNetwork;
  let dataDir: string;
  const contracts = () => network.deployment.contracts;
  const publicClient = () => network.clients.publicClient;
  const requester = privateKeyToAccount(demoKeys.user);
  /** A requester with less on the ledger than one call costs. */
  const poorKey = generatePrivateKey();
  const poor = privateKeyToAccount(poorKey);
  let modelId: bigint;
  /** Everything served and settled, for the expected split. */
  const served: CallJson[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ledger-e2e-"));
    network = await startLocalNetwork({ chainId: CHAIN_ID, dataDir, demo: "live", blockTime: 1 });
    modelId = network.demoModel?.modelId as bigint;
    // Per request and per token, so the price depends on the prompt the keeper counts.
    await setLedgerPrice(network.clients.wallet(demoKeys.developer), {
      contracts: contracts(),
      modelId,
      perRequest: parseEther("0.01"),
      perInputToken: parseEther("0.0001"),
      perOutputToken: parseEther("0.0002"),
    });
    await depositToLedger(network.clients.wallet(demoKeys.user), {
      contracts: contracts(),
      amount: parseEther("5"),
    });
    // Less on the ledger than one call costs, deposited for it by someone else.
    await depositToLedger(network.clients.wallet(demoKeys.deployer), {
      contracts: contracts(),
      amount: 1000n,
      account: poor.address,
    });
  }, 15 * 60_000);

  afterAll(async () => {
    await network?.stop();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const post = (url: string, body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  function chatBody(question: string, maxTokens = 96) {
    return {
      model: modelAdapterId(modelId),
      messages: [{ role: "user", content: question }],
      max_tokens: maxTokens,
    };
  }

  async function quote(
    keeperUrl: string,
    question: string,
    who: Address = requester.address,
  ): Promise<Quote> {
    const response = await post(`${keeperUrl}/v1/metered/quote`, { ...chatBody(question), requester: who });
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as Quote;
  }

  async function voucherFor(
    q: Quote,
    overrides: Partial<Voucher> = {},
    signer = demoKeys.user as Hex,
  ): Promise<Record<string, string>> {
    const voucher: Voucher = {
      requester: requester.address,
      keeper: q.keeper,
      cumulativeSpend: BigInt(q.cumulativeSpend),
      expiry: BigInt(q.minExpiry) + 3600n,
      ...overrides,
    };
    // Signed as the SDK signs, but by whichever key the case needs (signVoucher signs only its own).
    const signature = await privateKeyToAccount(signer).signTypedData({
      domain: usageLedgerDomain(CHAIN_ID, contracts().UsageLedger),
      types: voucherTypes,
      primaryType: "Voucher",
      message: voucher,
    });
    return {
      requester: voucher.requester,
      keeper: voucher.keeper,
      cumulativeSpend: voucher.cumulativeSpend.toString(),
      expiry: voucher.expiry.toString(),
      signature,
    };
  }

  async function call(keeperUrl: string, question: string, voucher: Record<string, string>) {
    return post(`${keeperUrl}/v1/chat/completions`, { ...chatBody(question), voucher });
  }

  async function paidCall(keeperUrl: string, question: string): Promise<CallJson> {
    const q = await quote(keeperUrl, question);
    const response = await call(keeperUrl, question, await voucherFor(q));
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0].message.content.length).toBeGreaterThan(0);
    expect(body.payable.cost).toBe(q.cost);
    expect(body.payable.voucher.cumulativeSpend).toBe(q.cumulativeSpend);
    expect(body.usage.prompt_tokens).toBe(Number(q.promptTokens));
    served.push(body.payable);
    return body.payable;
  }

  const ledgerRead = <T>(functionName: string, args: readonly unknown[] = []) =>
    publicClient().readContract({
      address: contracts().UsageLedger,
      abi: usageLedgerAbi,
      // biome-ignore lint/suspicious/noExplicitAny: a test helper over the ledger's views
      functionName: functionName as any,
      // biome-ignore lint/suspicious/noExplicitAny: as above
      args: args as any,
    }) as Promise<T>;

  async function unsettled(keeperUrl: string): Promise<CallJson[]> {
    return ((await (await fetch(`${keeperUrl}/ledger/calls`)).json()) as { calls: CallJson[] }).calls;
  }

  async function advance(seconds: number) {
    await network.clients.testClient.increaseTime({ seconds });
    await network.clients.testClient.mine({ blocks: 1 });
  }

  async function openBalance(account: Address): Promise<bigint> {
    return publicClient().readContract({
      address: contracts().OpenToken,
      abi: openTokenAbi,
      functionName: "balanceOf",
      args: [account],
    });
  }

  /** What the settled calls owe each account, split as the market splits a fee, read from the chain. */
  async function expectedEarnings(calls: readonly CallJson[]): Promise<Map<Address, bigint>> {
    const read = (address: Address, abi: unknown, functionName: string, args: unknown[] = []) =>
      // biome-ignore lint/suspicious/noExplicitAny: a test helper over several contracts
      publicClient().readContract({ address, abi: abi as any, functionName, args } as any) as Promise<any>;
    const parameters = await read(contracts().InferenceMarket, inferenceMarketAbi, "parameters");
    const treasury = await read(contracts().InferenceMarket, inferenceMarketAbi, "treasury");
    const earned = new Map<Address, bigint>();
    const add = (account: Address, amount: bigint) => {
      if (amount === 0n) return;
      const key = getAddress(account);
      earned.set(key, (earned.get(key) ?? 0n) + amount);
    };
    for (const c of calls) {
      const [accounts, weights] = await read(contracts().ModelRegistry, modelRegistryAbi, "revenueShares", [
        BigInt(c.modelId),
      ]);
      const attributions = [];
      for (const a of c.attributions) {
        const [datanetId, payee] = await read(
          contracts().DatanetRegistry,
          datanetRegistryAbi,
          "contributionPayout",
          [BigInt(a.contributionId)],
        );
        attributions.push({
          contributionId: BigInt(a.contributionId),
          weightBps: a.weightBps,
          payee,
          datanetId,
        });
      }
      const datanetIds = [...new Set(attributions.map((a) => a.datanetId as bigint))];
      const datanets = [];
      for (const datanetId of datanetIds)
        datanets.push({
          datanetId,
          owner: await read(contracts().DatanetRegistry, datanetRegistryAbi, "datanetOwner", [datanetId]),
        });
      const split = splitFee({
        fee: BigInt(c.cost),
        protocolFeeBps: parameters.protocolFeeBps,
        executorFeeBps: parameters.executorFeeBps,
        modelFeeBps: parameters.modelFeeBps,
        executor: c.keeper,
        treasury,
        modelRecipients: (accounts as Address[]).map((account, i) => ({ account, weightBps: weights[i] })),
        attributions,
        datanets,
      });
      add(split.treasury.account, split.treasury.amount);
      add(split.executor.account, split.executor.amount);
      for (const m of split.modelOwners) add(m.account, m.amount);
      for (const p of split.contributors) add(p.payee, p.amount);
      for (const d of split.datanetOwners) add(d.owner, d.amount);
    }
    return earned;
  }

  it(
    "serves metered calls with a voucher each and refuses bad vouchers at no cost",
    async () => {
      const [k1, k2] = network.keeperUrls as [string, string, string];
      const questions = demoFacts.map((f) => f.question);
      const first = await paidCall(k1, questions[0] as string);
      // The fine-tuned demo model quotes its datanet, so the answer credits a contribution.
      expect(first.attributions.length, JSON.stringify(first)).toBeGreaterThan(0);
      await paidCall(k1, questions[1] as string);
      await paidCall(k1, questions[2] as string);
      await paidCall(k2, questions[0] as string);
      await paidCall(k2, questions[3] as string);
      // The cumulative spend of each channel: its calls' costs added up.
      const k1Calls = await unsettled(k1);
      expect(k1Calls).toHaveLength(3);
      expect(BigInt(k1Calls[2]?.voucher.cumulativeSpend as string)).toBe(
        k1Calls.reduce((sum, c) => sum + BigInt(c.cost), 0n),
      );

      const balanceBefore = await ledgerRead<bigint>("balanceOf", [requester.address]);
      const question = questions[1] as string;
      const q = await quote(k1, question);
      const refusals: [string, Record<string, string>, number, string][] = [
        // The first call's voucher again: a replay of an amount already served.
        [
          "replay",
          { ...first.voucher, signature: first.signature } as unknown as Record<string, string>,
          409,
          "voucher_replayed",
        ],
        [
          "more than the call costs",
          await voucherFor(q, { cumulativeSpend: BigInt(q.cumulativeSpend) + 1n }),
          402,
          "voucher_amount_mismatch",
        ],
        [
          "less than the call costs",
          await voucherFor(q, { cumulativeSpend: BigInt(q.cumulativeSpend) - 1n }),
          402,
          "voucher_amount_mismatch",
        ],
        [
          "signed by someone else",
          await voucherFor(q, {}, demoKeys.developer as Hex),
          401,
          "voucher_signature_invalid",
        ],
        [
          "expiring before it can be settled",
          await voucherFor(q, { expiry: BigInt(q.minExpiry) - 10n }),
          400,
          "voucher_expired",
        ],
        [
          "for another keeper",
          await voucherFor(q, { keeper: network.keepers[1]?.address as Address }),
          400,
          "voucher_wrong_keeper",
        ],
      ];
      for (const [what, voucher, status, code] of refusals) {
        const response = await call(k1, question, voucher);
        const body = await response.json();
        expect({ what, status: response.status, code: body.error?.code }).toEqual({ what, status, code });
        expect(typeof body.error.message).toBe("string");
      }
      // A requester whose balance does not cover the call.
      const pq = await quote(k1, question, poor.address);
      const poorVoucher: Voucher = {
        requester: poor.address,
        keeper: pq.keeper,
        cumulativeSpend: BigInt(pq.cumulativeSpend),
        expiry: BigInt(pq.minExpiry) + 3600n,
      };
      const poorSignature = await signVoucher(poor, {
        chainId: CHAIN_ID,
        ledger: contracts().UsageLedger,
        voucher: poorVoucher,
      });
      const response = await call(k1, question, {
        requester: poor.address,
        keeper: pq.keeper,
        cumulativeSpend: pq.cumulativeSpend,
        expiry: poorVoucher.expiry.toString(),
        signature: poorSignature,
      });
      expect(response.status).toBe(402);
      expect((await response.json()).error.code).toBe("insufficient_balance");
      // A malformed body.
      const malformed = await post(`${k1}/v1/chat/completions`, {
        ...chatBody(question),
        voucher: { requester: "bob" },
      });
      expect(malformed.status).toBe(400);
      expect((await malformed.json()).error.code).toBe("invalid_request");

      // A model that does not exist, and an input over the recipe's limit.
      const unknown = await post(`${k1}/v1/chat/completions`, {
        ...chatBody(question),
        model: "model-999",
        voucher: await voucherFor(q),
      });
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).error.code).toBe("model_not_found");
      const long = await call(k1, "why? ".repeat(100), await voucherFor(q));
      expect(long.status).toBe(422);
      expect((await long.json()).error.code).toBe("unanswerable");
      // Nothing refused was recorded or debited.
      expect(await unsettled(k1)).toHaveLength(3);
      expect(await ledgerRead<bigint>("balanceOf", [requester.address])).toBe(balanceBefore);
      // The honest voucher still works after the refusals.
      await paidCall(k1, question);
    },
    10 * 60_000,
  );

  it(
    "refuses forged epoch reports: a made-up root, a call with a changed attribution",
    async () => {
      const [k1, k2] = network.keeperUrls as [string, string, string];
      const calls = [...(await unsettled(k1)), ...(await unsettled(k2))];
      const blockNumber = await publicClient().getBlockNumber();
      const document = (tampered: CallJson[]) => ({
        version: 1,
        epoch: "1",
        blockNumber: blockNumber.toString(),
        calls: tampered,
      });
      const forged = async (docCalls: CallJson[]) => {
        const hash = await uploadBlob(network.gatewayUrl, JSON.stringify(document(docCalls)), "public");
        const report = {
          epoch: "1",
          root: `0x${"11".repeat(32)}`,
          cumulativeTotal: parseEther("100").toString(),
          spend: parseEther("100").toString(),
          calls: String(docCalls.length),
          dataURI: `blob:${hash}`,
          vouchers: [],
        };
        const response = await post(`${k2}/ledger/epochs/cosign`, { report });
        return { status: response.status, code: (await response.json()).error?.code };
      };
      // Every call as served, but a root nobody can rebuild from them.
      expect(await forged(calls)).toEqual({ status: 422, code: "epoch_mismatch" });
      // Keeper 1's first call credited to another contribution than its answer quotes (keeper 2
      // recomputes every call it did not serve).
      const real = calls[0] as CallJson;
      const other = real.attributions[0]?.contributionId === "1" ? "2" : "1";
      const misattributed = [
        { ...real, attributions: [{ contributionId: other, weightBps: 10_000 }] },
        ...calls.slice(1),
      ];
      expect(await forged(misattributed)).toEqual({ status: 422, code: "call_rejected" });
      // A price the model never had.
      const overpriced = [{ ...real, cost: (BigInt(real.cost) * 2n).toString() }, ...calls.slice(1)];
      expect(await forged(overpriced)).toEqual({ status: 422, code: "call_rejected" });
      // A voucher whose signature was swapped for another call's.
      const swapped = [{ ...real, signature: (calls[1] as CallJson).signature }, ...calls.slice(1)];
      expect(await forged(swapped)).toEqual({ status: 422, code: "call_rejected" });
    },
    5 * 60_000,
  );

  it(
    "settles the epoch with the quorum while a keeper is down, and every earner claims exactly its split",
    async () => {
      const [k1, , k3] = network.keeperUrls as [string, string, string];
      // Keeper 3 serves a call, then goes down before the epoch: its call waits for the next one.
      const late = await paidCall(k3, demoFacts[4]?.question ?? "Where is ATP produced?");
      await network.keepers[2]?.stop();
      const settledCalls = served.filter((c) => c.signature !== late.signature);
      const spend = settledCalls.reduce((sum, c) => sum + BigInt(c.cost), 0n);
      const balanceBefore = await ledgerRead<bigint>("balanceOf", [requester.address]);

      const response = await post(`${k1}/ledger/epochs`, {});
      const epoch = await response.json();
      expect(response.status, JSON.stringify(epoch)).toBe(200);
      expect(epoch).toMatchObject({
        epoch: "1",
        calls: String(settledCalls.length),
        spend: spend.toString(),
      });
      expect(epoch.signers.length).toBeGreaterThanOrEqual(2);
      expect(await ledgerRead<bigint>("balanceOf", [requester.address])).toBe(balanceBefore - spend);
      expect(await ledgerRead<bigint>("totalSpent")).toBe(spend);
      // A second proposal while the first is in its window is refused.
      const again = await post(`${k1}/ledger/epochs`, {});
      expect(again.status).toBe(409);
      expect((await again.json()).error.code).toBe("epoch_pending");

      // Before the window ends no root is claimable.
      const early = await fetch(`${k1}/ledger/proofs/${network.keepers[0]?.address}`);
      expect(early.status).toBe(404);
      const { challengeWindow } = await ledgerRead<{ challengeWindow: bigint }>("parameters");
      await advance(Number(challengeWindow) + 1);

      const expected = await expectedEarnings(settledCalls);
      const tree = loadEpochTree(
        JSON.parse(
          await (
            await fetch(`${network.gatewayUrl}/blobs/${(epoch.dataURI as string).slice("blob:0x".length)}`)
          ).text(),
        ).tree,
      );
      expect(new Map(tree.entries.map((e) => [e.account, e.cumulative]))).toEqual(expected);
      expect([...expected.values()].reduce((a, b) => a + b, 0n)).toBe(spend);

      const owner = privateKeyToAccount(demoKeys.developer).address;
      expect(expected.get(owner)).toBeGreaterThan(0n);
      expect(expected.get(network.keepers[0]?.address as Address)).toBeGreaterThan(0n);
      for (const [account, amount] of expected) {
        const proof = await (await fetch(`${k1}/ledger/proofs/${account}`)).json();
        expect(proof).toMatchObject({
          epoch: "1",
          cumulative: amount.toString(),
          claimable: amount.toString(),
        });
        const before = await openBalance(account);
        // Anyone may send the claim; the payment goes to the account.
        const result = await claimEarnings(network.clients.wallet(demoKeys.deployer), {
          contracts: contracts(),
          account,
          cumulative: BigInt(proof.cumulative),
          proof: proof.proof,
        });
        expect(result.amount).toBe(amount);
        const gained = (await openBalance(account)) - before;
        // The deployer pays gas in ETH, not OPEN: every account gains exactly its earnings.
        expect(gained).toBe(amount);
      }
      expect(await ledgerRead<bigint>("totalClaimed")).toBe(spend);
      const stranger = await fetch(`${k1}/ledger/proofs/${zeroAddress.replace(/0$/, "1")}`);
      expect(stranger.status).toBe(404);
      expect((await stranger.json()).error.code).toBe("not_an_earner");
    },
    10 * 60_000,
  );

  it(
    "puts the calls of a keeper that was down into the next epoch once it is back",
    async () => {
      const [k1, , k3] = network.keeperUrls as [string, string, string];
      await network.keepers[2]?.start();
      const pending = await unsettled(k3);
      expect(pending).toHaveLength(1);
      const late = pending[0] as CallJson;
      const response = await post(`${k1}/ledger/epochs`, {});
      const epoch = await response.json();
      expect(response.status, JSON.stringify(epoch)).toBe(200);
      expect(epoch).toMatchObject({ epoch: "2", calls: "1", spend: late.cost });
      expect(await ledgerRead<bigint>("settledSpend", [requester.address, late.keeper])).toBe(
        BigInt(late.voucher.cumulativeSpend),
      );
      expect(await unsettled(k3)).toHaveLength(0);
      const { challengeWindow } = await ledgerRead<{ challengeWindow: bigint }>("parameters");
      await advance(Number(challengeWindow) + 1);
      // Cumulative: the root of epoch 2 holds keeper 3's share of its one call on top of nothing.
      const k3Address = network.keepers[2]?.address as Address;
      const expected = (await expectedEarnings([late])).get(k3Address) as bigint;
      const proof = await (await fetch(`${k3}/ledger/proofs/${k3Address}`)).json();
      expect(proof).toMatchObject({
        epoch: "2",
        cumulative: expected.toString(),
        claimable: expected.toString(),
      });
      const result = await claimEarnings(network.clients.wallet(network.keepers[2]?.key as Hex), {
        contracts: contracts(),
        account: k3Address,
        cumulative: BigInt(proof.cumulative),
        proof: proof.proof,
      });
      expect(result.amount).toBe(expected);
    },
    10 * 60_000,
  );
});
