import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  approveAccess,
  contentHash,
  datanetRegistryAbi,
  getRequest,
  inferenceMarketAbi,
  requestAccess,
} from "@payable-ai/sdk";
import { repositoryRoot } from "@payable-ai/sdk/testing";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { demoKeys, demoPrompts, demoTexts } from "./demo.js";
import type { DevnetService, RunningService } from "./services.js";

/** A generated model with demo adapters, as the inference node's `generate-model` CLI writes it. */
export type DemoModel = { modelDir: string; adaptersDir: string; adapterId: string; adapterHash: Hex };

/**
 * Generates the demo model and adapters once (seeded, so always the same bytes) into a cache
 * folder that survives restarts; `devnet/.data` is wiped on every start, the model need not be.
 */
export async function prepareDemoModel(
  cacheDir = resolve(repositoryRoot, "node_modules/.cache/payable-ai-devnet/model"),
  log: (message: string) => void = () => {},
): Promise<DemoModel> {
  const modelDir = join(cacheDir, "model");
  const adaptersDir = join(cacheDir, "adapters");
  const registryPath = join(adaptersDir, "registry.json");
  const ready = await stat(registryPath).then(
    () => stat(join(modelDir, "model.onnx")).then(() => true),
    () => false,
  );
  if (!ready) {
    await mkdir(cacheDir, { recursive: true });
    log("generating the demo model and adapters (first start only)");
    await runToEnd("inference-node/src/cli/generateModel.ts", [
      "--model-dir",
      modelDir,
      "--adapters-dir",
      adaptersDir,
      "--adapters",
      "4",
    ]);
  }
  const registry = JSON.parse(await readFile(registryPath, "utf8")) as {
    adapters: Record<string, { sha256: string }>;
  };
  const adapterId = "demo-0";
  const sha = registry.adapters[adapterId]?.sha256;
  if (sha === undefined) throw new Error(`${registryPath} has no adapter ${adapterId}`);
  return { modelDir, adaptersDir, adapterId, adapterHash: `0x${sha}` };
}

export type AiServicePorts = { gateway: number; inference: number; keepers: [number, number, number] };

/**
 * The data gateway, the inference node and three keepers (quorum two) as devnet services,
 * each its own process, started with the same CLIs an operator runs.
 */
export function aiServices(model: DemoModel, ports: AiServicePorts): DevnetService[] {
  const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
  const inferenceUrl = `http://127.0.0.1:${ports.inference}`;
  const keeperUrls = ports.keepers.map((p) => `http://127.0.0.1:${p}`);

  const gateway: DevnetService = {
    name: "gateway",
    ports: [ports.gateway],
    async start({ rpcUrl, dataDir, deploymentsDir, log }) {
      const child = startProcess("keepers/src/gateway/cli.ts", [
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
      log(`listening on ${gatewayUrl}`);
      return { urls: { "Data gateway": gatewayUrl }, stop: () => stopProcess(child) };
    },
  };

  const inference: DevnetService = {
    name: "inference-node",
    ports: [ports.inference],
    async start({ rpcUrl, chainId, deploymentsDir, log }) {
      // Demo adapters come from registry.json; models registered later (for instance by the
      // Model Factory) are found in the ModelRegistry and checked against their on-chain hash.
      const child = startProcess("inference-node/src/cli/start.ts", [
        "--model-dir",
        model.modelDir,
        "--adapters-dir",
        model.adaptersDir,
        "--rpc-url",
        rpcUrl,
        "--deployment",
        join(deploymentsDir, `${chainId}.json`),
        "--port",
        String(ports.inference),
        "--log-level",
        "warn",
      ]);
      await waitForHttp(child, `${inferenceUrl}/health`);
      log(`listening on ${inferenceUrl} (demo model adapter ${model.adapterId})`);
      return {
        urls: { "Inference node (OpenAI API)": `${inferenceUrl}/v1` },
        stop: () => stopProcess(child),
      };
    },
  };

  const keepers: DevnetService = {
    name: "keepers",
    ports: [...ports.keepers],
    async start({ rpcUrl, chainId, deployment, deploymentsDir, clients, dataDir, log }) {
      const { contracts } = deployment;
      // The demo's files: contributions as datanet content, request inputs as public blobs.
      for (const text of demoTexts) await upload(gatewayUrl, text, "datanet");
      for (const prompt of Object.values(demoPrompts)) await upload(gatewayUrl, prompt, "public");
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
      log(`demo files uploaded; keepers granted access to ${datanets} datanet(s)`);

      const children: LoggedChild[] = [];
      for (const [i, key] of demoKeys.keepers.entries()) {
        const child = startProcess("keepers/src/node/cli.ts", [
          "--rpc-url",
          rpcUrl,
          "--private-key",
          key,
          "--inference-url",
          inferenceUrl,
          "--gateway-url",
          gatewayUrl,
          "--peers",
          keeperUrls.filter((_, j) => j !== i).join(","),
          "--port",
          String(ports.keepers[i]),
          "--state-dir",
          join(dataDir, `keeper-${i + 1}`),
          "--deployments-dir",
          deploymentsDir,
          "--fallback-after-seconds",
          "15",
          "--log-level",
          "warn",
        ]);
        children.push(child);
      }
      for (const [i, child] of children.entries()) await waitForHttp(child, `${keeperUrls[i]}/health`);
      log(`three keepers listening on ${keeperUrls.join(", ")} (chain ${chainId})`);

      // Tell the user when the demo's open request is answered and settled.
      let watching = true;
      const watch = (async () => {
        const requestId = await clients.publicClient.readContract({
          address: contracts.InferenceMarket,
          abi: inferenceMarketAbi,
          functionName: "requestCount",
        });
        let last = "";
        while (watching) {
          const { statusName } = await getRequest(clients.publicClient, { contracts, requestId }).catch(
            () => ({
              statusName: last,
            }),
          );
          if (statusName !== last && statusName !== "open") log(`request ${requestId} is ${statusName}`);
          last = statusName;
          if (statusName === "finalized" || statusName === "refunded") return;
          await new Promise((r) => setTimeout(r, 1000));
        }
      })();
      const urls: Record<string, string> = {};
      keeperUrls.forEach((url, i) => {
        urls[`Keeper ${i + 1} (health, metrics)`] = `${url}/health`;
      });
      return {
        urls,
        stop: async () => {
          watching = false;
          await Promise.all(children.map(stopProcess));
          await watch.catch(() => {});
        },
      } satisfies RunningService;
    },
  };

  return [gateway, inference, keepers];
}

async function upload(gatewayUrl: string, content: string, visibility: "public" | "datanet"): Promise<Hex> {
  const response = await fetch(`${gatewayUrl}/blobs?visibility=${visibility}`, {
    method: "POST",
    body: content,
  });
  if (!response.ok)
    throw new Error(`gateway upload failed: HTTP ${response.status} ${await response.text()}`);
  return contentHash(content);
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

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

export async function runToEnd(script: string, args: string[]): Promise<void> {
  const child = startProcess(script, args);
  const code = await new Promise<number | null>((done) => child.once("exit", (c) => done(c)));
  if (code !== 0) throw new Error(`${script} failed (exit ${code}): ${child.output().slice(-2000)}`);
}
