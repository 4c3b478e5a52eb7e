import { resolve } from "node:path";
import { freePort, repositoryRoot } from "@payable-ai/sdk/testing";
import { aiServices, type KeeperHandle, prepareBaseModel, type ServiceHandle } from "./aiServices.js";
import { appService } from "./appService.js";
import { type DemoModel, fineTuneDemoModel } from "./demoModel.js";
import { askDemoQuestions, watchRequests } from "./demoRequests.js";
import { modelFactoryService } from "./factoryService.js";
import { type Devnet, startDevnet } from "./network.js";
import type { DevnetService } from "./services.js";

export type { KeeperHandle, ServiceHandle } from "./aiServices.js";

export type LocalNetworkPorts = {
  anvil: number;
  indexer: number;
  gateway: number;
  inference: number;
  factory: number;
  /** The web app. */
  app: number;
  keepers: [number, number, number];
};

export type LocalNetworkOptions = {
  /** Fixed ports (`npm start`); free ones are picked for whatever is left out (tests). */
  ports?: Partial<LocalNetworkPorts> | undefined;
  /** Chain id of anvil (default 31337); the deployment is written to `deployments/<chainId>.json`. */
  chainId?: number | undefined;
  /** Seconds between blocks (default 1). */
  blockTime?: number | undefined;
  /**
   * `live` (default): the demo datanet, its model fine-tuned by the Model Factory (cached after
   * the first start) and the demo questions asked and answered by the keepers. `datanet`: the
   * datanet only, no fine-tune and no questions. `none`: an empty deployment.
   */
  demo?: "live" | "datanet" | "none" | undefined;
  /** See `StartDevnetParameters.servicesRpcUrl`. */
  servicesRpcUrl?: string | undefined;
  /** Where the generated base model and trained demo adapters are kept across starts. */
  cacheDir?: string | undefined;
  /** Scratch folder of this run, wiped at start (default `devnet/.data`). */
  dataDir?: string | undefined;
  log?: ((message: string) => void) | undefined;
};

export type LocalNetwork = Devnet & {
  ports: LocalNetworkPorts;
  gatewayUrl: string;
  inferenceUrl: string;
  factoryUrl: string;
  /** The web app (its server proxies the indexer, gateway and Model Factory under `/api`). */
  appUrl: string;
  keeperUrls: string[];
  /** The three keeper processes (stop, kill, restart). */
  keepers: KeeperHandle[];
  /** The inference node process (stop, kill, restart). */
  inferenceNode: ServiceHandle;
  /** The fine-tuned demo model, with `demo: "live"`. */
  demoModel: DemoModel | undefined;
  /** The demo questions' request ids, with `demo: "live"`. */
  demoRequestIds: bigint[];
};

/**
 * The whole local network, composed once: anvil with the protocol deployed, the demo data, the
 * indexer, the data gateway, the inference node, the Model Factory, the demo model fine-tuned
 * on its datanet and three keepers (quorum two). `npm start` runs exactly this, and the
 * end-to-end and browser tests start it too, on free ports.
 */
export async function startLocalNetwork(options: LocalNetworkOptions = {}): Promise<LocalNetwork> {
  const log = options.log ?? (() => {});
  const demo = options.demo ?? "live";
  const cacheDir = options.cacheDir ?? resolve(repositoryRoot, "node_modules/.cache/payable-ai-devnet");
  const ports = await resolvePorts(options.ports ?? {});
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const inferenceUrl = `http://127.0.0.1:${ports.inference}`;
  const factoryUrl = `http://127.0.0.1:${ports.factory}`;
  const appUrl = `http://127.0.0.1:${ports.app}`;
  const keeperUrls = ports.keepers.map((p) => `http://127.0.0.1:${p}`);

  const base = await prepareBaseModel(resolve(cacheDir, "base-model"), log);
  const { gateway, inference, keepers, keeperHandles, inferenceHandle } = aiServices(base, ports);
  const factory = modelFactoryService(base, { port: ports.factory, gatewayUrl, inferenceUrl });
  const app = appService({
    port: ports.app,
    indexerUrl: `http://127.0.0.1:${ports.indexer}`,
    gatewayUrl,
    factoryUrl,
  });

  let demoModel: DemoModel | undefined;
  let demoRequestIds: bigint[] = [];
  // Steps of the demo that need the services: they run in the order of the list below.
  const fineTune: DevnetService = {
    name: "demo-model",
    async start({ clients, deployment, demo: seeded, log: say }) {
      if (seeded !== undefined) {
        demoModel = await fineTuneDemoModel({
          clients,
          deployment,
          datanetId: seeded.datanetId,
          contributionIds: seeded.contributionIds,
          factoryUrl,
          gatewayUrl,
          cacheDir: resolve(cacheDir, "demo-adapters"),
          log: say,
        });
      }
      return { stop: async () => {} };
    },
  };
  const ask: DevnetService = {
    name: "demo-requests",
    async start({ clients, deployment, log: say }) {
      if (demoModel === undefined) return { stop: async () => {} };
      demoRequestIds = await askDemoQuestions({
        clients,
        deployment,
        gatewayUrl,
        modelId: demoModel.modelId,
      });
      say(`the requester paid for requests ${demoRequestIds.join(", ")}; the keepers answer them`);
      const watcher = watchRequests(clients, deployment, demoRequestIds, say);
      return {
        stop: async () => {
          watcher.stop();
          await watcher.done.catch(() => {});
        },
      };
    },
  };
  const services = [gateway, inference, factory, app];
  if (demo === "live") services.push(fineTune);
  services.push(keepers);
  if (demo === "live") services.push(ask);

  const network = await startDevnet({
    anvilPort: ports.anvil,
    indexerPort: ports.indexer,
    chainId: options.chainId,
    blockTime: options.blockTime ?? 1,
    seed: demo !== "none",
    dataDir: options.dataDir,
    services,
    indexerReads: { gatewayUrl, keeperUrls },
    servicesRpcUrl: options.servicesRpcUrl,
    log,
  });
  return {
    ...network,
    ports,
    gatewayUrl,
    inferenceUrl,
    factoryUrl,
    appUrl,
    keeperUrls,
    keepers: keeperHandles,
    inferenceNode: inferenceHandle,
    demoModel,
    demoRequestIds,
  };
}

async function resolvePorts(fixed: Partial<LocalNetworkPorts>): Promise<LocalNetworkPorts> {
  // Free ports are picked before anything listens, so never hand out the same one twice.
  const taken = new Set<number>([
    ...[fixed.anvil, fixed.indexer, fixed.gateway, fixed.inference, fixed.factory, fixed.app].filter(
      (p): p is number => p !== undefined,
    ),
    ...(fixed.keepers ?? []),
  ]);
  const pick = async (port: number | undefined): Promise<number> => {
    if (port !== undefined) return port;
    for (;;) {
      const candidate = await freePort();
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
  };
  return {
    anvil: await pick(fixed.anvil),
    indexer: await pick(fixed.indexer),
    gateway: await pick(fixed.gateway),
    inference: await pick(fixed.inference),
    factory: await pick(fixed.factory),
    app: await pick(fixed.app),
    keepers: fixed.keepers ?? [await pick(undefined), await pick(undefined), await pick(undefined)],
  };
}
