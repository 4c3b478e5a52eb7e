import { join } from "node:path";
import {
  createAdapterLoader,
  HttpBlobSource,
  readAdapterPackage,
  StaticAdapterRegistry,
} from "@payable-ai/inference-node";
import { getModel, registerModel } from "@payable-ai/sdk";
import { anvilPrivateKeys } from "@payable-ai/sdk/testing";
import { type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TINY_CONFIG } from "../src/base/inferenceNode.js";
import { GatewayDataSource, signAccessRequest } from "../src/data/dataSource.js";
import { syntheticDatanet } from "../src/data/synthetic.js";
import type { JobRecord } from "../src/service/jobs.js";
import { type RunningFactory, startFactory } from "../src/service/server.js";
import { startProtocolChain } from "./chainFixture.js";
import { tempDir, tinyModelDir } from "./helpers.js";

const DEVELOPER = 5;

/** Polls a job until it ends. */
async function waitForJob(url: string, id: string): Promise<JobRecord> {
  for (;;) {
    const job = (await (await fetch(`${url}/jobs/${id}`)).json()) as JobRecord;
    if (["completed", "failed", "cancelled"].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("from datanet access on-chain to a registered model", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let chain: Awaited<ReturnType<typeof startProtocolChain>>;
  let factory: RunningFactory;

  beforeAll(async () => {
    dir = await tempDir("onchain");
    chain = await startProtocolChain(dir.path, {
      chainId: 977_101,
      contents: syntheticDatanet(16, 33),
      owner: 1,
      contributor: 3,
    });
    factory = await startFactory({
      dataDir: join(dir.path, "factory"),
      baseModels: { "llama-tiny": await tinyModelDir(join(dir.path, "model")) },
      dataSource: new GatewayDataSource(chain.gateway.url),
    });
  }, 300_000);
  afterAll(async () => {
    await factory?.close();
    await chain?.stop();
    await dir?.remove();
  });

  const launch = async () => {
    const { chainId, datanetRegistry } = await new GatewayDataSource(chain.gateway.url).domain();
    const access = await signAccessRequest(privateKeyToAccount(anvilPrivateKeys[DEVELOPER] as Hex), {
      chainId,
      datanetRegistry,
      datanetId: chain.datanetId,
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
    });
    const response = await fetch(`${factory.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        {
          baseModel: "llama-tiny",
          datanets: [{ datanetId: chain.datanetId, contributionIds: chain.contributionIds }],
          access: [access],
          // The standard preset's q/k/v/o targets; questions with answers would default to memorize.
          preset: "standard",
          hyperparameters: {
            rank: 4,
            batchSize: 4,
            maxLength: 96,
            learningRate: 1e-2,
            maxSteps: 4,
            evalEvery: 2,
          },
        },
        (_, v) => (typeof v === "bigint" ? v.toString() : v),
      ),
    });
    expect(response.status).toBe(201);
    return waitForJob(factory.url, ((await response.json()) as JobRecord).id);
  };

  it("refuses the data until the owner grants access, then trains and registers the model", async () => {
    const refused = await launch();
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/has no access to datanet/);

    await chain.grantAccess(DEVELOPER);
    const job = await launch();
    expect(job.status).toBe("completed");
    const output = job.output;
    if (!output?.manifestRoot) throw new Error("no output");

    const { modelId } = await registerModel(chain.wallet(DEVELOPER), {
      contracts: chain.contracts,
      baseModelId: "llama-tiny",
      adapterHash: output.adapterHash,
      adapterURI: output.adapterURI as string,
      manifestRoot: output.manifestRoot,
      datanetIds: [chain.datanetId],
      pricePerRequest: parseEther("1"),
      metadataURI: "ipfs://geography-tuned",
    });
    const model = await getModel(chain.publicClient, { contracts: chain.contracts, modelId });
    expect(model.owner).toBe(chain.wallet(DEVELOPER).account.address);
    expect(model.adapterHash).toBe(output.adapterHash);
    expect(model.manifestRoot).toBe(output.manifestRoot);
    expect(model.adapterURI).toBe(output.adapterURI);

    // An inference node fetches the adapter from the gateway by its registered hash and loads it.
    const load = createAdapterLoader({
      registry: new StaticAdapterRegistry([{ id: "tuned", sha256: model.adapterHash.slice(2) }]),
      source: new HttpBlobSource(`${chain.gateway.url}/blobs`),
      model: TINY_CONFIG,
    });
    const adapter = await load("tuned");
    const served = new Uint8Array(await (await fetch(`${factory.url}/jobs/${job.id}/adapter`)).arrayBuffer());
    expect(adapter.modules).toEqual(readAdapterPackage("tuned", served, TINY_CONFIG).modules);
    expect(adapter.modules).toHaveLength(TINY_CONFIG.numLayers * 4);
  });
});
