import { mkdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { startIndexer } from "@payable-ai/indexer/runner";
import type { Deployment } from "@payable-ai/sdk";
import { BaseError } from "@payable-ai/sdk";
import {
  type Anvil,
  deployProtocol,
  freePort,
  isPortTaken,
  repositoryRoot,
  startAnvil,
} from "@payable-ai/sdk/testing";
import { type DevnetClients, devnetClients } from "./clients.js";
import { type DemoResult, seedDemo } from "./demo.js";
import type { DevnetService, RunningService } from "./services.js";

export type StartDevnetParameters = {
  /** Fixed ports for `npm start`; free ones are picked when left out (tests). */
  anvilPort?: number | undefined;
  indexerPort?: number | undefined;
  chainId?: number | undefined;
  /** Seconds between blocks; left out, anvil mines every transaction at once. */
  blockTime?: number | undefined;
  seed?: boolean | undefined;
  /** Started after the indexer, in order. */
  services?: readonly DevnetService[] | undefined;
  dataDir?: string | undefined;
  /**
   * Postgres for the indexer (`DATABASE_URL` by default); PGlite in the data folder otherwise.
   * Each start writes to a schema of its own (`devnet_<chainId>_<time>`): the chain restarts
   * from genesis, so earlier rows do not apply.
   */
  databaseUrl?: string | undefined;
  /**
   * The JSON-RPC URL the services are given instead of anvil's own, e.g. a proxy in front of it
   * (a test cutting the RPC the way a network outage would). The launcher itself talks to anvil.
   */
  servicesRpcUrl?: string | undefined;
  /** Where the indexer's `/requests/:id` reads outputs, and spans and passages (services started later). */
  indexerReads?: { gatewayUrl?: string | undefined; keeperUrls?: readonly string[] | undefined } | undefined;
  log?: ((message: string) => void) | undefined;
};

export type Devnet = {
  rpcUrl: string;
  chainId: number;
  deployment: Deployment;
  clients: DevnetClients;
  demo: DemoResult | undefined;
  indexerUrl: string;
  graphqlUrl: string;
  urls: Record<string, string>;
  /** Resolves once the indexer has caught up with the chain head. */
  waitForIndexer(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

export class DevnetStartError extends BaseError {
  override name = "DevnetStartError";
}

/**
 * Brings up the local network: anvil, the protocol deployment, demo data, the indexer and any
 * extra services. On failure everything already started is stopped again.
 */
export async function startDevnet(parameters: StartDevnetParameters = {}): Promise<Devnet> {
  const log = parameters.log ?? (() => {});
  const chainId = parameters.chainId ?? 31337;
  const dataDir = parameters.dataDir ?? resolve(repositoryRoot, "devnet/.data");
  const databaseUrl = parameters.databaseUrl ?? process.env.DATABASE_URL;
  const services = parameters.services ?? [];
  const running: { name: string; stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const service of running.reverse()) {
      try {
        await service.stop();
      } catch (error) {
        log(`${service.name} did not stop cleanly: ${(error as Error).message}`);
      }
    }
    running.length = 0;
  };

  const fixedPorts = [
    ["anvil", parameters.anvilPort],
    ["indexer", parameters.indexerPort],
    ...services.flatMap((s) => (s.ports ?? []).map((p) => [s.name, p] as const)),
  ] as const;
  for (const [name, port] of fixedPorts) {
    if (port !== undefined && (await isPortTaken(port))) {
      throw new DevnetStartError(
        `Port ${port} (${name}) is already in use. Stop whatever listens there (another \`npm start\`?) and retry.`,
      );
    }
  }

  try {
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir, { recursive: true });

    const anvil: Anvil = await step("start anvil", () => startAnvil({ port: parameters.anvilPort, chainId }));
    running.push({ name: "anvil", stop: anvil.stop });
    log(`anvil listening on ${anvil.rpcUrl} (chain ${chainId})`);

    const deployment = await step("deploy the protocol (forge script script/Deploy.s.sol)", () =>
      // The local parameters (short windows and delays) on any chain id the network runs on.
      deployProtocol({ rpcUrl: anvil.rpcUrl, chainId, env: { LOCAL_NETWORK: "true" } }),
    );
    const deploymentsDir = resolve(repositoryRoot, "deployments");
    log(`protocol deployed (deployments/${chainId}.json, start block ${deployment.startBlock})`);

    const clients = devnetClients(anvil.rpcUrl, chainId);
    const demo =
      parameters.seed === false
        ? undefined
        : await step("seed demo data", () => seedDemo(clients, deployment, log));

    // Deploy and seed on automine (fast); then blocks come at the configured interval.
    if (parameters.blockTime !== undefined) {
      await clients.testClient.setAutomine(false);
      await clients.testClient.setIntervalMining({ interval: parameters.blockTime });
      log(`interval mining: a block every ${parameters.blockTime} s`);
    }

    const indexerPort = parameters.indexerPort ?? (await freePort());
    const indexer = await step("start the indexer (ponder start)", async () =>
      startIndexer({
        rpcUrl: anvil.rpcUrl,
        chainId,
        port: indexerPort,
        ...(databaseUrl
          ? { databaseUrl, schema: `devnet_${chainId}_${Date.now()}` }
          : { pgliteDir: join(dataDir, "pglite") }),
        deploymentsDir,
        gatewayUrl: parameters.indexerReads?.gatewayUrl,
        keeperUrls: parameters.indexerReads?.keeperUrls,
      }),
    );
    running.push({ name: "indexer", stop: indexer.stop });
    log(`indexer ready at ${indexer.url}`);

    const urls: Record<string, string> = {
      "JSON-RPC (anvil)": anvil.rpcUrl,
      GraphQL: indexer.graphqlUrl,
      "Contributor leaderboard": `${indexer.url}/leaderboard/contributors`,
      "Model stats": `${indexer.url}/models/stats`,
    };
    for (const service of services) {
      const started: RunningService = await step(`start ${service.name}`, () =>
        service.start({
          rpcUrl: parameters.servicesRpcUrl ?? anvil.rpcUrl,
          chainId,
          deployment,
          deploymentsDir,
          clients,
          demo,
          dataDir: join(dataDir, service.name),
          log: (message) => log(`${service.name}: ${message}`),
        }),
      );
      running.push({ name: service.name, stop: started.stop });
      Object.assign(urls, started.urls);
    }

    return {
      rpcUrl: anvil.rpcUrl,
      chainId,
      deployment,
      clients,
      demo,
      indexerUrl: indexer.url,
      graphqlUrl: indexer.graphqlUrl,
      urls,
      waitForIndexer: async (timeoutMs) =>
        indexer.waitForBlock(await clients.publicClient.getBlockNumber(), timeoutMs),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new DevnetStartError(`Could not ${name}: ${(error as Error).message}`, { cause: error });
  }
}
