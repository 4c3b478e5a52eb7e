import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AttributionReport,
  contentHash,
  type Deployment,
  getRequest,
  keeperRegistryAbi,
  openTokenAbi,
  refundRequest,
  requestInference,
  signAttributionReport,
} from "@payable-ai/sdk";
import { type Anvil, anvilPrivateKeys, until } from "@payable-ai/sdk/testing";
import { createPublicClient, createTestClient, createWalletClient, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reportToJson } from "../src/protocol.js";
import type { RunningKeeper } from "../src/run.js";
import {
  localChain,
  registerTestModel,
  startProtocolChain,
  stopProtocolChain,
} from "./support/protocolChain.js";
import { runOfflineKeeper, stakeMinimum } from "./support/protocolKeeper.js";

const CHAIN_ID = 913_409;

/**
 * A keeper as a watcher of equivocations the market's challenge can no longer reach: a keeper
 * that signed two different reports of one round is proven at the report court and slashed, even
 * after the request ended without any report accepted.
 */
describe("equivocation proofs at the report court", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  let dir: string;
  let watcher: RunningKeeper;
  const chain = localChain(CHAIN_ID, "court");
  const watcherKey = anvilPrivateKeys[7];
  const equivocatorKey = anvilPrivateKeys[8];
  const equivocator = privateKeyToAccount(equivocatorKey).address;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-court-"));
    ({ anvil, deployment } = await startProtocolChain(CHAIN_ID));
    await stakeMinimum(anvil.rpcUrl, chain, deployment, [watcherKey, equivocatorKey]);
    watcher = await runOfflineKeeper({
      rpcUrl: anvil.rpcUrl,
      privateKey: watcherKey,
      stateDir: join(dir, "state"),
      pollIntervalMs: 200,
    });
  }, 120_000);

  afterAll(async () => {
    await watcher?.stop();
    await stopProtocolChain(anvil, CHAIN_ID);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("proves a keeper that signed two reports of one round once the request is refunded", async () => {
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport });
    const wallet = (key: Hex) => createWalletClient({ chain, transport, account: privateKeyToAccount(key) });
    const { contracts } = deployment;
    const { modelId } = await registerTestModel(wallet(anvilPrivateKeys[1]), contracts);
    const user = wallet(anvilPrivateKeys[2]);
    const funded = await wallet(anvilPrivateKeys[0]).writeContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [user.account.address, parseEther("10")],
    });
    await publicClient.waitForTransactionReceipt({ hash: funded });
    const { requestId } = await requestInference(user, {
      contracts,
      modelId,
      inputHash: contentHash("question"),
      inputURI: "blob:question",
      maxFee: parseEther("1"),
    });

    // The equivocator asks the watcher to co-sign two different answers of round 0.
    const report = (output: string): AttributionReport => ({
      requestId,
      round: 0,
      modelId,
      outputHash: contentHash(output),
      outputURI: `blob:${output}`,
      executor: equivocator,
      attributionVersion: 1,
      attributions: [],
    });
    for (const output of ["one answer", "another answer"]) {
      const r = report(output);
      const signature = await signAttributionReport(privateKeyToAccount(equivocatorKey), {
        chainId: CHAIN_ID,
        market: contracts.InferenceMarket,
        report: r,
      });
      await fetch(`${watcher.url}/cosign`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ report: reportToJson(r), signatures: [signature] }),
      });
    }
    const stakeBefore = await publicClient.readContract({
      address: contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "stakeOf",
      args: [equivocator],
    });

    // Nobody reports; the request expires and is refunded: no challenge can be made any more.
    const { deadline } = await getRequest(publicClient, { contracts, requestId });
    const test = createTestClient({ chain, mode: "anvil", transport });
    const now = (await publicClient.getBlock()).timestamp;
    await test.increaseTime({ seconds: Number(deadline - now) + 1 });
    await test.mine({ blocks: 1 });
    await refundRequest(user, { contracts, requestId });

    const record = await until(
      "the watcher to prove the equivocation at the court",
      async () => {
        const held = watcher.node.options.state.get(requestId);
        return held?.proven?.includes(`${equivocator.toLowerCase()}:0`) ? held : undefined;
      },
      30_000,
    );
    expect(record.phase).toBe("refunded");
    const stakeAfter = await publicClient.readContract({
      address: contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "stakeOf",
      args: [equivocator],
    });
    // Half the stake, the default equivocation slash; the watcher, as prover, is paid part of it.
    expect(stakeAfter).toBe(stakeBefore / 2n);
  }, 120_000);
});
