import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repositoryRoot } from "@payable-ai/sdk/testing";
import { privateKeyToAccount } from "viem/accounts";
import { runToEnd, startProcess, stopProcess, waitForHttp } from "./aiServices.js";
import { demoKeys } from "./demo.js";
import type { DevnetService } from "./services.js";

export type AppServiceOptions = { port: number; indexerUrl: string; gatewayUrl: string; factoryUrl: string };

type Role = "owner" | "curator" | "contributor" | "developer" | "requester" | "keeper" | "deployer";

/** The demo accounts the web app's picker offers on the local network, labelled by what they do. */
export const demoAccounts: { role: Role; label: string; description: string; privateKey: `0x${string}` }[] = [
  {
    role: "owner",
    label: "Datanet owner",
    description: "Owns the demo datanet: approves access requests and earns its access fees.",
    privateKey: demoKeys.datanetOwner,
  },
  {
    role: "curator",
    label: "Curator",
    description: "Reviews contributions to the demo datanet: accepts or rejects them.",
    privateKey: demoKeys.curator,
  },
  ...demoKeys.contributors.map((privateKey, i) => ({
    role: "contributor" as const,
    label: `Contributor ${"AB"[i]} · voter`,
    description:
      "Contributed facts to the demo datanet; earns when answers use them, and votes with what it earned.",
    privateKey,
  })),
  {
    role: "developer",
    label: "Model developer",
    description: "Has access to the demo datanet; fine-tunes and registers models in the Model Factory.",
    privateKey: demoKeys.developer,
  },
  {
    role: "requester",
    label: "Requester",
    description: "Pays to ask models questions in the Playground.",
    privateKey: demoKeys.user,
  },
  ...demoKeys.keepers.map((privateKey, i) => ({
    role: "keeper" as const,
    label: `Keeper ${i + 1}`,
    description: "A staked keeper: runs the models, attributes the answers and signs the reports.",
    privateKey,
  })),
  {
    role: "deployer",
    label: "Deployer",
    description: "Deployed the protocol and holds the rest of the OPEN supply (the local faucet).",
    privateKey: demoKeys.deployer,
  },
];

/** Newest modification time under the app's sources, to rebuild a stale `app/dist`. */
function newestSource(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

/** Builds `app/dist` when it is missing or older than the app's sources. */
export async function buildAppIfStale(log: (message: string) => void = () => {}): Promise<void> {
  const appDir = join(repositoryRoot, "app");
  const built = join(appDir, "dist/index.html");
  const sources = Math.max(
    newestSource(join(appDir, "src")),
    statSync(join(appDir, "index.html")).mtimeMs,
    statSync(join(appDir, "vite.config.ts")).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  log("building the web app");
  await runToEnd("node_modules/vite/bin/vite.js", [
    "build",
    "--config",
    "app/vite.config.ts",
    "--logLevel",
    "error",
  ]);
}

/**
 * The web app on the local network: its server serves the built app, the chain and contracts
 * with the demo accounts, and the indexer, data gateway and Model Factory under `/api/*`.
 */
export function appService(options: AppServiceOptions): DevnetService {
  const url = `http://127.0.0.1:${options.port}`;
  return {
    name: "app",
    ports: [options.port],
    async start({ rpcUrl, chainId, deployment, dataDir, log }) {
      await buildAppIfStale(log);
      await mkdir(dataDir, { recursive: true });
      const configFile = join(dataDir, "app-config.json");
      await writeFile(
        configFile,
        JSON.stringify({
          chainId,
          rpcUrl,
          local: true,
          contracts: deployment.contracts,
          demoAccounts: demoAccounts.map((a) => ({
            ...a,
            address: privateKeyToAccount(a.privateKey).address,
          })),
        }),
      );
      const child = startProcess("app/server/start.ts", [
        "--port",
        String(options.port),
        "--app-config",
        configFile,
        "--indexer",
        options.indexerUrl,
        "--gateway",
        options.gatewayUrl,
        "--factory",
        options.factoryUrl,
      ]);
      await waitForHttp(child, `${url}/health`);
      log(`web app on ${url}`);
      return { urls: { "Web app": url }, stop: () => stopProcess(child) };
    },
  };
}
