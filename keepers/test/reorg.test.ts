import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentHash, type Deployment, requestInference } from "@payable-ai/sdk";
import { type Anvil, anvilPrivateKeys, until } from "@payable-ai/sdk/testing";
import { createTestClient, createWalletClient, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningKeeper } from "../src/run.js";
import {
  localChain,
  registerTestModel,
  startProtocolChain,
  stopProtocolChain,
} from "./support/protocolChain.js";
import { runOfflineKeeper, stakeMinimum } from "./support/protocolKeeper.js";

const CHAIN_ID = 913_408;

describe("keeper watcher and reorganisations", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  let dir: string;
  let keeper: RunningKeeper;
  let modelId: bigint;

  const chain = localChain(CHAIN_ID, "reorg");
  const wallet = (key: Hex) =>
    createWalletClient({ chain, transport: http(anvil.rpcUrl), account: privateKeyToAccount(key) });

  async function ask(input: string) {
    return requestInference(wallet(anvilPrivateKeys[0]), {
      contracts: deployment.contracts,
      modelId,
      inputHash: contentHash(input),
      inputURI: `blob:${contentHash(input)}`,
      maxFee: parseEther("1"),
    });
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-reorg-"));
    ({ anvil, deployment } = await startProtocolChain(CHAIN_ID));
    const keeperKey = anvilPrivateKeys[7];
    await stakeMinimum(anvil.rpcUrl, chain, deployment, [keeperKey]);
    ({ modelId } = await registerTestModel(wallet(anvilPrivateKeys[0]), deployment.contracts));
    // The request stays open while the chain moves under it.
    keeper = await runOfflineKeeper({
      rpcUrl: anvil.rpcUrl,
      privateKey: keeperKey,
      stateDir: join(dir, "state"),
      pollIntervalMs: 100,
    });
  }, 120_000);

  afterAll(async () => {
    await keeper?.stop();
    await stopProtocolChain(anvil, CHAIN_ID);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("forgets a request whose block was reorganised away and picks up the one that replaced it", async () => {
    const testClient = createTestClient({ chain, mode: "anvil", transport: http(anvil.rpcUrl) });
    const snapshot = await testClient.snapshot();
    const first = await ask("first question");
    const seen = await until("the keeper to record request 1", async () => {
      const record = keeper.node.options.state.persisted(first.requestId);
      return record?.inputHash === contentHash("first question") ? record : undefined;
    });
    expect(seen.blockHash).toBe(first.receipt.blockHash);

    // Another history: the same request id, at the same height, for another input.
    await testClient.revert({ id: snapshot });
    const second = await ask("second question");
    expect(second.requestId).toBe(first.requestId);
    expect(second.receipt.blockNumber).toBe(first.receipt.blockNumber);
    expect(second.receipt.blockHash).not.toBe(first.receipt.blockHash);
    const replaced = await until("the keeper to follow the new history", async () => {
      const record = keeper.node.options.state.persisted(second.requestId);
      return record?.blockHash === second.receipt.blockHash ? record : undefined;
    });
    expect(replaced.inputHash).toBe(contentHash("second question"));
    expect(replaced.phase).toBe("open");
    expect(keeper.node.options.state.all()).toHaveLength(1);
  }, 60_000);
});
