import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  contentHash,
  createDatanet,
  type Deployment,
  defineRpcChain,
  registerModel,
  retireModel,
} from "@payable-ai/sdk";
import {
  type Anvil,
  anvilPrivateKeys,
  deploymentPath,
  deployProtocol,
  removeDeployment,
  startAnvil,
} from "@payable-ai/sdk/testing";
import { createPublicClient, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOBS_DIR } from "../src/adapters/adapterDir.js";
import { ModelRegistryAdapterRegistry, modelAdapterId } from "../src/adapters/chainRegistry.js";
import { ATTENTION_TARGETS, TINY_CONFIG } from "../src/model/config.js";
import { writeGeneratedModel } from "../src/model/modelDir.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import { adaptersFixture, capturedLogger } from "./helpers.js";

const CHAIN_ID = 913_501;
const config = TINY_CONFIG;
const TTL_MS = 300;

describe("adapters verified against the on-chain ModelRegistry", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  let modelDir: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  let server: StartedServer;
  const names = ["good", "tampered", "retired", "resident"] as const;
  const models: Record<(typeof names)[number], bigint> = {
    good: 0n,
    tampered: 0n,
    retired: 0n,
    resident: 0n,
  };
  let retire: (modelId: bigint) => Promise<unknown>;
  const { logger, logs } = capturedLogger();

  const chain = defineRpcChain({ id: CHAIN_ID, name: "adapters", rpcUrl: "http://127.0.0.1" });

  beforeAll(async () => {
    modelDir = await mkdtemp(join(tmpdir(), "inference-node-chain-model-"));
    const [chainStarted] = await Promise.all([
      startAnvil({ chainId: CHAIN_ID }),
      writeGeneratedModel(modelDir, {
        name: "llama-tiny",
        llama: config,
        seed: 5,
        loraTargets: ATTENTION_TARGETS,
      }),
    ]);
    anvil = chainStarted;
    fixture = await adaptersFixture(config, [
      { id: "good", options: { rank: 4, seed: 11 } },
      { id: "tampered", options: { rank: 4, seed: 12 } },
      { id: "retired", options: { rank: 4, seed: 13 } },
      { id: "resident", options: { rank: 4, seed: 14 } },
    ]);
    // The blob stored under the tampered model's hash is no longer the file that hash names.
    const path = join(fixture.directory, BLOBS_DIR, fixture.hashes.tampered as string);
    const bytes = await readFile(path);
    bytes[0] = (bytes[0] as number) ^ 0xff;
    await writeFile(path, bytes);

    deployment = await deployProtocol({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const { contracts } = deployment;
    const wallet = createWalletClient({
      chain,
      transport: http(anvil.rpcUrl),
      account: privateKeyToAccount(anvilPrivateKeys[0]),
    });
    const { datanetId } = await createDatanet(wallet, {
      contracts,
      metadataURI: "data:,",
      contributionBond: 0n,
      accessFee: 0n,
      reviewTimeout: 86_400n,
      curators: [],
    });
    for (const name of names) {
      const sha256 = fixture.hashes[name] as string;
      ({ modelId: models[name] } = await registerModel(wallet, {
        contracts,
        baseModelId: "llama-tiny",
        adapterHash: `0x${sha256}` as Hex,
        adapterURI: `blob:0x${sha256}`,
        manifestRoot: contentHash(`manifest ${name}`),
        datanetIds: [datanetId],
        pricePerRequest: 1n,
        metadataURI: "data:,",
      }));
    }
    retire = (modelId) => retireModel(wallet, { contracts, modelId });
    await retire(models.retired);

    server = await startInferenceServer({
      modelDir,
      registry: new ModelRegistryAdapterRegistry({
        client: createPublicClient({ chain, transport: http(anvil.rpcUrl) }),
        address: contracts.ModelRegistry,
        ttlMs: TTL_MS,
      }),
      source: fixture.source,
      port: 0,
      maxBatch: 4,
      bankRank: 8,
      logger,
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await anvil?.stop();
    await removeDeployment(CHAIN_ID);
    await fixture?.remove();
    if (modelDir) await rm(modelDir, { recursive: true, force: true });
  });

  const complete = (model: string) =>
    fetch(`${server.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, prompt: "Hello", max_tokens: 4, temperature: 0 }),
    });

  it("serves a registered model whose blob hashes to its on-chain adapterHash", async () => {
    const response = await complete(modelAdapterId(models.good));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.model).toBe(`model-${models.good}`);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(server.node.cache.has(`model-${models.good}`)).toBe(true);
  });

  it("refuses a blob that differs from the on-chain hash, logs it and never serves it", async () => {
    const id = modelAdapterId(models.tampered);
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await complete(id);
      expect(response.status).toBe(502);
      const { error } = await response.json();
      expect(error.code).toBe("adapter_integrity_failed");
      expect(error.message).toContain(fixture.hashes.tampered);
    }
    expect(server.node.cache.has(id)).toBe(false);
    expect(logs.some((l) => l.adapter === id && l.expected === fixture.hashes.tampered)).toBe(true);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/result="integrity_failure"} 2/);
  });

  it("answers 404 for a model that does not exist and for ids outside the model-<id> scheme", async () => {
    for (const model of ["model-999", "model-0", "model-01", "good"]) {
      const response = await complete(model);
      expect(response.status, model).toBe(404);
      expect((await response.json()).error.code).toBe("model_not_found");
    }
  });

  it("refuses a retired model with 410", async () => {
    const response = await complete(modelAdapterId(models.retired));
    expect(response.status).toBe(410);
    const { error } = await response.json();
    expect(error.code).toBe("adapter_withdrawn");
    expect(error.message).toContain("retired");
  });

  it("stops serving a resident adapter once its model is retired, within the cache TTL", async () => {
    const id = modelAdapterId(models.resident);
    expect((await complete(id)).status).toBe(200);
    expect(server.node.cache.has(id)).toBe(true);
    await retire(models.resident);
    await new Promise((resolve) => setTimeout(resolve, TTL_MS + 100));
    const response = await complete(id);
    expect(response.status).toBe(410);
    expect((await response.json()).error.code).toBe("adapter_withdrawn");
  });

  it("lists servable models with their on-chain hashes, the way keepers find an adapter by hash", async () => {
    const { data } = await (await fetch(`${server.url}/v1/models`)).json();
    const listed = Object.fromEntries(
      (data as { id: string; sha256?: string }[]).map((m) => [m.id, m.sha256]),
    );
    expect(listed[`model-${models.good}`]).toBe(fixture.hashes.good);
    expect(listed[`model-${models.tampered}`]).toBe(fixture.hashes.tampered);
    expect(listed).not.toHaveProperty(`model-${models.retired}`);
    expect(listed).not.toHaveProperty(`model-${models.resident}`);
  });

  it("refuses a model registered for another base model when the node names its own", async () => {
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const address = deployment.contracts.ModelRegistry;
    const id = modelAdapterId(models.good);
    const other = new ModelRegistryAdapterRegistry({ client, address, baseModelId: "llama-large" });
    const error = await other.lookup(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, code: "adapter_incompatible" });
    expect((error as Error).message).toContain('"llama-tiny"');
    expect((await other.list()).map((r) => r.id)).not.toContain(id);
    const same = new ModelRegistryAdapterRegistry({ client, address, baseModelId: "llama-tiny" });
    expect(await same.lookup(id)).toMatchObject({ id, sha256: fixture.hashes.good });
  });

  it("reports an unreachable chain as 502, not as an unknown model", async () => {
    const offline = new ModelRegistryAdapterRegistry({
      client: createPublicClient({ transport: http("http://127.0.0.1:9", { retryCount: 0 }) }),
      address: deployment.contracts.ModelRegistry,
    });
    const error = await offline.lookup("model-1").catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: "adapter_unavailable" });
  });

  it("from the command line, resolves model-<id> on-chain after the registry.json of the adapters dir", async () => {
    const cli = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        new URL("../src/cli/start.ts", import.meta.url).pathname,
        "--model-dir",
        modelDir,
        "--adapters-dir",
        fixture.directory,
        "--rpc-url",
        anvil.rpcUrl,
        "--deployment",
        deploymentPath(CHAIN_ID),
        "--port",
        "0",
        "--bank-rank",
        "8",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await listeningUrl(cli);
      const complete = (model: string) =>
        fetch(`${url}/v1/completions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ model, prompt: "hi", max_tokens: 2 }),
        });
      expect((await complete("good")).status).toBe(200);
      expect((await complete(modelAdapterId(models.good))).status).toBe(200);
      expect((await complete(modelAdapterId(models.tampered))).status).toBe(502);
      expect((await complete(modelAdapterId(models.retired))).status).toBe(410);
      const { data } = await (await fetch(`${url}/v1/models`)).json();
      const ids = (data as { id: string }[]).map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining(["good", modelAdapterId(models.good)]));
    } finally {
      const exited = new Promise((resolve) => cli.once("exit", resolve));
      cli.kill("SIGTERM");
      await exited;
    }
  }, 30_000);
});

function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:[^"]+)"/.exec(output);
      if (match) resolve(match[1] as string);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => reject(new Error(`the node exited with ${code}: ${output.slice(-2000)}`)));
  });
}
