import { readDeployment } from "@payable-ai/sdk";
import type { Logger } from "pino";
import { createPublicClient, createWalletClient, defineChain, getAddress, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { KeeperChain, type KeeperContracts } from "./chain.js";
import { KeeperNode } from "./keeper.js";
import { KeeperMetrics } from "./metrics.js";
import { type RunningKeeperServer, startKeeperServer } from "./server.js";
import { GatewayClient, InferenceClient } from "./services.js";
import { KeeperStateStore } from "./stateStore.js";

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
  fallbackAfterSeconds?: bigint;
  concurrency?: number;
  logger: Logger;
};

export type RunningKeeper = {
  node: KeeperNode;
  server: RunningKeeperServer;
  url: string;
  stop(): Promise<void>;
};

/** Wires a keeper from its configuration, starts its HTTP server and its watch loop. */
export async function runKeeper(config: KeeperConfig): Promise<RunningKeeper> {
  const account = privateKeyToAccount(config.privateKey);
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
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
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
    },
    chainId,
    config.confirmations ?? 1,
  );
  const state = await KeeperStateStore.open(config.stateDir, {
    chainId,
    market: keeperChain.contracts.InferenceMarket,
    keeper: account.address,
    startBlock,
  });
  const logger = config.logger.child({ keeper: account.address });
  const node = new KeeperNode({
    chain: keeperChain,
    account,
    gateway: new GatewayClient(config.gatewayUrl, account, {
      chainId,
      datanetRegistry: keeperChain.contracts.DatanetRegistry,
    }),
    inference: new InferenceClient(config.inferenceUrl),
    state,
    metrics: new KeeperMetrics(),
    logger,
    peers: config.peers,
    pollIntervalMs: config.pollIntervalMs,
    fallbackAfterSeconds: config.fallbackAfterSeconds,
    concurrency: config.concurrency,
  });
  const server = await startKeeperServer(node, { port: config.port, host: config.host });
  node.start();
  logger.info({ url: server.url, peers: config.peers, nextBlock: String(state.nextBlock) }, "keeper started");
  return {
    node,
    server,
    url: server.url,
    stop: async () => {
      await node.stop();
      await server.close();
    },
  };
}
