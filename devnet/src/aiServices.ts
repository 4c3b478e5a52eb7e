import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { approveAccess, datanetRegistryAbi, requestAccess } from "@payable-ai/sdk";
import { repositoryRoot } from "@payable-ai/sdk/testing";
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { demoKeys } from "./demo.js";
import { demoFacts, factContent } from "./demoDatanet.js";
import { uploadBlob } from "./httpClients.js";
import type { DevnetService, RunningService } from "./services.js";

/** The generated base model of the local network, as the inference node's `generate-model` CLI writes it. */
export type BaseModel = { modelDir: string };

/**
 * Generates the demo base model once (seeded, so always the same bytes) into a cache folder
 * that survives restarts; `devnet/.data` is wiped on every start, the model need not be.
 */
export async function prepareBaseModel(
  cacheDir = resolve(repositoryRoot, "node_modules/.cache/payable-ai-devnet/base-model"),
  log: (message: string) => void = () => {},
): Promise<BaseModel> {
  const modelDir = join(cacheDir, "model");
  const ready = await stat(join(modelDir, "model.onnx")).then(
    () => true,
    () => false,
  );
  if (!ready) {
    await mkdir(cacheDir, { recursive: true });
    log("generating the demo base model (first start only)");
    await runToEnd("inference-node/src/cli/generateModel.ts", [
      "--model-dir",
      modelDir,
      "--adapters-dir",
      join(cacheDir, "adapters"),
      "--shape",
      "demo",
      "--lora-targets",
      "all",
      "--adapters",
      "0",
    ]);
  }
  return { modelDir };
}

export type AiServicePorts = { gateway: number; inference: number; keepers: [number, number, number] };

/**
 * The data gateway, the inference node and three keepers (quorum two) as devnet services,
 * each its own process, started with the same CLIs an operator runs.
 */
export function aiServices(
  model: BaseModel,
  ports: AiServicePorts,
): {
  gateway: DevnetService;
  inference: DevnetService;
  keepers: DevnetService;
  /** The keeper processes, once the keepers service has started. */
  keeperHandles: KeeperHandle[];
  /** The inference node process, once its service has started. */
  inferenceHandle: ServiceHandle;
} {
  const keeperHandles: KeeperHandle[] = [];
  const inferenceHandle = {} as ServiceHandle;
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const inferenceUrl = `http://127.0.0.1:${ports.inference}`;
  const keeperUrls = ports.keepers.map((p) => `http://127.0.0.1:${p}`);

  const gateway: DevnetService = {
    name: "gateway",
    ports: [ports.gateway],
    async start({ rpcUrl, dataDir, deploymentsDir, log }) {
      const child = startProcess("gateway/src/cli.ts", [
        "--rpc-url",
        rpcUrl,
        "--deployments-dir",
        deploymentsDir,
        "--data-dir",
        dataDir,
        "--port",
        String(ports.gateway),
        "--log-level",
        "warn",
      ]);
      await waitForHttp(child, `${gatewayUrl}/health`);
      // The demo contributions' content, readable by those the datanet grants access.
      for (const fact of demoFacts) await uploadBlob(gatewayUrl, factContent(fact), "datanet");
      log(`listening on ${gatewayUrl} (demo contributions uploaded)`);
      return { urls: { "Data gateway": gatewayUrl }, stop: () => stopProcess(child) };
    },
  };

  const inference: DevnetService = {
    name: "inference-node",
    ports: [ports.inference],
    async start({ rpcUrl, chainId, deploymentsDir, dataDir, log }) {
      // Models are the ones registered on-chain, served as model-<id>: the adapter is fetched
      // from the gateway and checked against the registered hash before it is used.
      const node = serviceHandle(
        "inference-node/src/cli/start.ts",
        [
          "--model-dir",
          model.modelDir,
          "--adapters-dir",
          join(dataDir, "adapters"),
          "--blob-url",
          `${gatewayUrl}/blobs`,
          "--rpc-url",
          rpcUrl,
          "--deployment",
          join(deploymentsDir, `${chainId}.json`),
          "--port",
          String(ports.inference),
          "--log-level",
          "warn",
        ],
        inferenceUrl,
      );
      Object.assign(inferenceHandle, node);
      await node.start();
      log(`listening on ${inferenceUrl} (models registered on-chain, adapters from the gateway)`);
      return {
        urls: { "Inference node (OpenAI API)": `${inferenceUrl}/v1` },
        stop: () => node.stop(),
      };
    },
  };

  const keepers: DevnetService = {
    name: "keepers",
    ports: [...ports.keepers],
    async start({ rpcUrl, chainId, deployment, deploymentsDir, clients, dataDir, log }) {
      const { contracts } = deployment;
      // Keepers read contributions through the gateway like anyone else: with granted access.
      const owner = clients.wallet(demoKeys.datanetOwner);
      const datanets = await clients.publicClient.readContract({
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "datanetCount",
      });
      for (let datanetId = 1n; datanetId <= datanets; datanetId++) {
        for (const key of demoKeys.keepers) {
          await requestAccess(clients.wallet(key), { contracts, datanetId });
          await approveAccess(owner, { contracts, datanetId, account: privateKeyToAccount(key).address });
        }
      }
      log(`keepers granted access to ${datanets} datanet(s)`);

      await mkdir(dataDir, { recursive: true });
      for (const [i, key] of demoKeys.keepers.entries()) {
        const stateDir = join(dataDir, `keeper-${i + 1}`);
        // The key is read from a file, never put on the command line where `ps` shows it.
        const keyFile = join(dataDir, `keeper-${i + 1}.key`);
        await writeFile(keyFile, key, { mode: 0o600 });
        const args = [
          "--rpc-url",
          rpcUrl,
          "--private-key-file",
          keyFile,
          "--inference-url",
          inferenceUrl,
          "--gateway-url",
          gatewayUrl,
          "--peers",
          keeperUrls.filter((_, j) => j !== i).join(","),
          "--port",
          String(ports.keepers[i]),
          "--state-dir",
          stateDir,
          "--deployments-dir",
          deploymentsDir,
          "--log-level",
          "warn",
        ];
        keeperHandles.push({
          ...serviceHandle("keepers/src/cli.ts", args, keeperUrls[i] as string),
          key,
          address: privateKeyToAccount(key).address,
          stateDir,
        });
      }
      for (const keeper of keeperHandles) await keeper.start();
      log(`three keepers listening on ${keeperUrls.join(", ")} (chain ${chainId})`);

      const urls: Record<string, string> = {};
      keeperUrls.forEach((url, i) => {
        urls[`Keeper ${i + 1} (health, metrics)`] = `${url}/health`;
      });
      return {
        urls,
        stop: async () => {
          await Promise.all(keeperHandles.map((k) => k.stop()));
        },
      } satisfies RunningService;
    },
  };

  return { gateway, inference, keepers, keeperHandles, inferenceHandle };
}

/** One service process of the network: operators (and tests) stop, kill and restart it. */
export type ServiceHandle = {
  url: string;
  running(): boolean;
  /** The process's recent output (pino JSON lines). */
  output(): string;
  /** Starts the process (again, with the same flags and state) and waits for its HTTP API. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL once the service's drain bound has passed (see `stopProcess`). */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
};

/** A keeper process, with its key and its durable state. */
export type KeeperHandle = ServiceHandle & {
  key: Hex;
  address: Address;
  /** Its `--state-dir`: the durable state (`state.json`) a restart resumes from. */
  stateDir: string;
};

function serviceHandle(script: string, args: string[], url: string): ServiceHandle {
  let child: LoggedChild | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    url,
    running,
    output: () => child?.output() ?? "",
    async start() {
      if (running()) return;
      child = startProcess(script, args);
      await waitForHttp(child, `${url}/health`);
      // Another process answering on the port would pass the health check; this one must live.
      await new Promise((r) => setTimeout(r, 200));
      if (!running()) throw new Error(`${script} on ${url} exited: ${child.output().slice(-2000)}`);
    },
    async stop() {
      if (child) await stopProcess(child);
    },
    async kill() {
      if (!child || !running()) return;
      const exited = new Promise<void>((done) => child?.once("exit", () => done()));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export type LoggedChild = ChildProcess & { output: () => string };

export function startProcess(script: string, args: string[]): LoggedChild {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: repositoryRoot,
    stdio: ["ignore", "pipe", "pipe"],
  }) as LoggedChild;
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
    // Warnings and errors of the services reach the terminal.
    if (/"level":(4|5|6)0/.test(chunk.toString())) process.stderr.write(chunk);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.output = () => log;
  return child;
}

export async function waitForHttp(child: LoggedChild, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`exited with code ${child.exitCode}: ${child.output().slice(-2000)}`);
    try {
      await fetch(url);
      return;
    } catch {
      if (Date.now() > deadline) {
        await stopProcess(child);
        throw new Error(`no answer on ${url} after ${timeoutMs} ms: ${child.output().slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * SIGTERM, then SIGKILL after `graceMs`: longer than the services' own drain bound (15 s), so
 * in-flight work gets its answer or its error before the process is cut.
 */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function runToEnd(script: string, args: string[]): Promise<void> {
  const child = startProcess(script, args);
  const code = await new Promise<number | null>((done) => child.once("exit", (c) => done(c)));
  if (code !== 0) throw new Error(`${script} failed (exit ${code}): ${child.output().slice(-2000)}`);
}
