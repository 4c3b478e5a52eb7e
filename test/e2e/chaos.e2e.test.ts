/**
 * Bounded chaos on the network `npm start` runs: keepers killed (-9) and restarted, a keeper
 * stopped with work in flight, the inference node killed mid-request, the services' JSON-RPC cut
 * for a few seconds. Every request must still be reported and settled exactly once, nobody
 * slashed, no keeper transaction reverted, `/health` unready during the cut and ready after it,
 * shutdown within its bound and every keeper's state intact.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KeeperHandle, type LocalNetwork, startLocalNetwork } from "@payable-ai/devnet";
import { inferenceMarketAbi, keeperRegistryAbi } from "@payable-ai/sdk";
import { freePort, removeDeployment, until } from "@payable-ai/sdk/testing";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { networkActions } from "./network.js";

const CHAIN_ID = 31_444;
/** The keepers' own drain bound (`--drain-seconds`, 15) plus the time a process takes to exit. */
const SHUTDOWN_BOUND_MS = 20_000;

describe("chaos on the npm start network", () => {
  let network: LocalNetwork;
  let proxy: RpcProxy;
  let dataDir: string;
  let startBlock: bigint;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "chaos-"));
    const anvilPort = await freePort();
    proxy = await startRpcProxy(anvilPort);
    network = await startLocalNetwork({
      chainId: CHAIN_ID,
      dataDir,
      demo: "live",
      ports: { anvil: anvilPort },
      servicesRpcUrl: proxy.url,
    });
    // The demo's own requests settle first, so what follows starts from a quiet network.
    for (const id of network.demoRequestIds) await waitForStatus(id, ["finalized", "refunded"]);
    startBlock = await network.clients.publicClient.getBlockNumber({ cacheTime: 0 });
  }, 15 * 60_000);

  afterAll(async () => {
    await network?.stop();
    await proxy?.close();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const contracts = () => network.deployment.contracts;
  const { waitForStatus, ask, firstExecutorOfNextRequest } = networkActions(() => network);

  async function health(keeper: KeeperHandle): Promise<number> {
    try {
      return (await fetch(`${keeper.url}/health`, { signal: AbortSignal.timeout(5000) })).status;
    } catch {
      return 0;
    }
  }

  it("settles every request exactly once through kills, a stop with work in flight, a dead inference node and a cut RPC", async () => {
    const { publicClient } = network.clients;
    const stakes = await Promise.all(network.keepers.map((k) => stakeOf(k.address)));
    const asked: bigint[] = [];

    // 1. The scheduled executor is stopped (SIGTERM) right after the request arrives, with the
    //    answer in flight; it exits within its bound and comes back.
    const executor = await firstExecutorOfNextRequest();
    asked.push(await ask("What do ribosomes do?"));
    await new Promise((r) => setTimeout(r, 1500));
    const stopping = Date.now();
    await executor.stop();
    expect(Date.now() - stopping).toBeLessThan(SHUTDOWN_BOUND_MS);
    await executor.start();

    // 2. Another keeper dies (SIGKILL) and restarts a few seconds later from its state file.
    const crashed = network.keepers.find((k) => k !== executor) as KeeperHandle;
    await crashed.kill();
    asked.push(await ask("What is osmosis?"));
    await new Promise((r) => setTimeout(r, 3000));
    await crashed.start();

    // 3. The inference node is killed while a request is being answered, then restarted.
    asked.push(await ask("What do red blood cells carry?"));
    await new Promise((r) => setTimeout(r, 1000));
    await network.inferenceNode.kill();
    await new Promise((r) => setTimeout(r, 2000));
    await network.inferenceNode.start();

    // 4. The services' JSON-RPC is cut for a few seconds: keepers report unready, then ready again.
    asked.push(await ask("What is a gene?"));
    const watched = network.keepers[0] as KeeperHandle;
    await until("a ready keeper", async () => (await health(watched)) === 200, 60_000);
    proxy.cut();
    await until(
      "an unready keeper while the RPC is cut",
      async () => (await health(watched)) === 503,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 3000));
    proxy.restore();
    await until("the keeper ready again", async () => (await health(watched)) === 200, 60_000);

    // Every request is answered and settled exactly once.
    for (const id of asked) await waitForStatus(id, ["finalized"]);
    const head = await publicClient.getBlockNumber({ cacheTime: 0 });
    const events = async (eventName: "ReportSubmitted" | "RequestFinalized" | "ReportChallenged") =>
      publicClient.getContractEvents({
        address: contracts().InferenceMarket,
        abi: inferenceMarketAbi,
        eventName,
        fromBlock: startBlock,
        toBlock: head,
      });
    const countBy = (list: { args: { requestId?: bigint } }[]) => {
      const counts = new Map<bigint, number>();
      for (const e of list)
        counts.set(e.args.requestId as bigint, (counts.get(e.args.requestId as bigint) ?? 0) + 1);
      return asked.map((id) => counts.get(id) ?? 0);
    };
    expect(countBy(await events("ReportSubmitted"))).toEqual(asked.map(() => 1));
    expect(countBy(await events("RequestFinalized"))).toEqual(asked.map(() => 1));
    expect(await events("ReportChallenged")).toEqual([]);

    // Nobody slashed, and no keeper transaction reverted (for gas or anything else).
    expect(await Promise.all(network.keepers.map((k) => stakeOf(k.address)))).toEqual(stakes);
    const keepers = new Set(network.keepers.map((k) => k.address.toLowerCase()));
    const reverted: string[] = [];
    for (let n = startBlock; n <= head; n++) {
      const block = await publicClient.getBlock({ blockNumber: n, includeTransactions: true });
      for (const tx of block.transactions) {
        if (!keepers.has(tx.from.toLowerCase())) continue;
        const receipt = await publicClient.getTransactionReceipt({ hash: tx.hash });
        if (receipt.status !== "success") reverted.push(`${tx.hash} (gas ${receipt.gasUsed}/${tx.gas})`);
      }
    }
    expect(reverted).toEqual([]);

    // Every keeper's durable state (what `/requests/:id` serves is what is on disk) came back
    // intact through the restarts and knows the requests as settled.
    for (const keeper of network.keepers) {
      for (const id of asked) {
        const response = await fetch(`${keeper.url}/requests/${id}`);
        expect(response.status).toBe(200);
        const { phase } = (await response.json()) as { phase: string };
        expect(["reported", "finalized"]).toContain(phase);
      }
    }
  }, 900_000);

  async function stakeOf(keeper: Address): Promise<bigint> {
    return network.clients.publicClient.readContract({
      address: contracts().KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "stakeOf",
      args: [keeper],
    });
  }
});

type RpcProxy = { url: string; cut(): void; restore(): void; close(): Promise<void> };

/**
 * A TCP proxy in front of anvil. `cut()` drops every connection and refuses new ones, as a
 * network outage would; `restore()` lets traffic through again.
 */
async function startRpcProxy(targetPort: number): Promise<RpcProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(targetPort, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
