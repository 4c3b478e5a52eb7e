import { createGatewayClient, defineRpcChain } from "@payable-ai/sdk";
import { readDeployment } from "@payable-ai/sdk/node";
import type { Logger } from "pino";
import { createPublicClient, createWalletClient, getAddress, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { KeeperChain, type KeeperContracts } from "./chain.js";
import type { HealthOptions } from "./health.js";
import { KeeperNode } from "./keeper.js";
import { MeteredCallStore } from "./meteredCalls.js";
import { KeeperMetrics } from "./metrics.js";
import { type RunningKeeperServer, startKeeperServer } from "./server.js";
import { InferenceClient } from "./services.js";
import { KeeperStateStore } from "./stateStore.js";
import type { GasPolicy } from "./transactions.js";

export type KeeperConfig = {
  rpcUrl: string;
  privateKey: Hex;
  inferenceUrl: string;
  gatewayUrl: string;
  peers: readonly string[];
  stateDir: string;
  port: number;
  host?: string;
  /** Contract addresses; read from `deployments/<chainId>.json` when left out. */
  contracts?: KeeperContracts;
  startBlock?: bigint;
  deploymentsDir?: string;
  confirmations?: number;
  pollIntervalMs?: number;
  concurrency?: number;
  /** Timeout of each gateway call (default 30 s). */
  gatewayTimeoutMs?: number;
  /** Timeout of each inference call (default 120 s). */
  inferenceTimeoutMs?: number;
  /** Timeout of each co-sign request to a peer (default 60 s). */
  cosignTimeoutMs?: number;
  /** Chain seconds settled requests stay in the state after their window (default 1 day). */
  stateRetentionSeconds?: bigint;
  /** Seconds of chain time per metered epoch slot (default 0: epochs only on `POST /ledger/epochs`). */
  epochSeconds?: bigint;
  /** Most time a shutdown waits for work in flight before aborting it (default 15 s). */
  drainMs?: number;
  gas?: GasPolicy;
  health?: HealthOptions;
  logger: Logger;
};

export type RunningKeeper = {
  node: KeeperNode;
  server: RunningKeeperServer;
  url: string;
  /** Stops within the drain bound (see {@link KeeperNode.stop}) and closes the server. */
  stop(): Promise<{ drained: boolean }>;
};

/** Wires a keeper from its configuration, starts its HTTP server and its watch loop. */
export async function runKeeper(config: KeeperConfig): Promise<RunningKeeper> {
  const account = privateKeyToAccount(config.privateKey);
  const metrics = new KeeperMetrics();
  const shutdown = new AbortController();
  const transport = http(config.rpcUrl, { retryCount: 5, retryDelay: 200 });
  const probe = createPublicClient({ transport });
  const chainId = await probe.getChainId();
  let contracts = config.contracts;
  let startBlock = config.startBlock ?? 0n;
  if (contracts === undefined) {
    const deployment = await readDeployment({ chainId, dir: config.deploymentsDir });
    contracts = deployment.contracts;
    startBlock = config.startBlock ?? BigInt(deployment.startBlock);
  }
  const chain = defineRpcChain({ id: chainId, name: `chain ${chainId}`, rpcUrl: config.rpcUrl });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
  const wallet = createWalletClient({ chain, transport, account, pollingInterval: 250 });
  const keeperChain = new KeeperChain(
    publicClient,
    wallet,
    {
      InferenceMarket: getAddress(contracts.InferenceMarket),
      KeeperRegistry: getAddress(contracts.KeeperRegistry),
      ModelRegistry: getAddress(contracts.ModelRegistry),
      DatanetRegistry: getAddress(contracts.DatanetRegistry),
      ...(contracts.ReportCourt ? { ReportCourt: getAddress(contracts.ReportCourt) } : {}),
      ...(contracts.UsageLedger ? { UsageLedger: getAddress(contracts.UsageLedger) } : {}),
    },
    chainId,
    config.confirmations ?? 1,
    { gas: config.gas, metrics, logger: config.logger.child({ keeper: account.address }) },
  );
  const state = await KeeperStateStore.open(
    config.stateDir,
    {
      chainId,
      market: keeperChain.contracts.InferenceMarket,
      keeper: account.address,
      startBlock,
    },
    {
      retentionSeconds: config.stateRetentionSeconds,
      // A torn journal line or a stale journal: the keeper's log, not Node's warning stream.
      onWarning: (message: string) => config.logger.warn({ keeper: account.address }, message),
    },
  );
  const logger = config.logger.child({ keeper: account.address });
  const ledgerAddress = keeperChain.contracts.UsageLedger;
  const ledger = ledgerAddress
    ? {
        address: ledgerAddress,
        store: await MeteredCallStore.open(config.stateDir),
        epochSeconds: config.epochSeconds,
      }
    : undefined;
  const node = new KeeperNode({
    chain: keeperChain,
    account,
    gateway: createGatewayClient({
      url: config.gatewayUrl,
      account,
      domain: { chainId, datanetRegistry: keeperChain.contracts.DatanetRegistry },
      timeoutMs: config.gatewayTimeoutMs,
      signal: shutdown.signal,
    }),
    inference: new InferenceClient(config.inferenceUrl, {
      timeoutMs: config.inferenceTimeoutMs,
      signal: shutdown.signal,
    }),
    state,
    metrics,
    shutdown,
    cosignTimeoutMs: config.cosignTimeoutMs,
    logger,
    peers: config.peers,
    pollIntervalMs: config.pollIntervalMs,
    concurrency: config.concurrency,
    ledger,
  });
  const [{ stake }, active] = await Promise.all([
    keeperChain.keeperInfo(account.address),
    keeperChain.isActive(account.address),
  ]);
  if (stake === 0n) {
    logger.warn(
      { registry: keeperChain.contracts.KeeperRegistry },
      "this key is not staked: it will sign and submit nothing (see `keeper stake`)",
    );
  } else if (!active) {
    logger.warn(
      { stake: String(stake) },
      "this key is staked but not active (below the minimum stake or unbonding)",
    );
  }
  const server = await startKeeperServer(node, {
    port: config.port,
    host: config.host,
    health: config.health,
  });
  node.start();
  logger.info({ url: server.url, peers: config.peers, nextBlock: String(state.nextBlock) }, "keeper started");
  return {
    node,
    server,
    url: server.url,
    stop: async () => {
      const result = await node.stop(config.drainMs);
      await server.close();
      return result;
    },
  };
}
