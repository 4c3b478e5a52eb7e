import { join } from "node:path";
import { LocalBlobStore } from "@payable-ai/keepers/blobstore";
import {
  FileNonceStore,
  LocalBlobVisibility,
  type RunningGateway,
  startGateway,
  ViemAccessChecker,
} from "@payable-ai/keepers/gateway";
import {
  acceptContribution,
  approveAccess,
  contribute,
  createDatanet,
  type Deployment,
  getModel,
  registerModel,
  requestAccess,
} from "@payable-ai/sdk";
import {
  type Anvil,
  anvilPrivateKeys,
  deployProtocol,
  removeDeployment,
  startAnvil,
} from "@payable-ai/sdk/testing";
import { createPublicClient, createWalletClient, defineChain, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayDataSource, signAccessRequest } from "../src/data/dataSource.js";
import { syntheticDatanet } from "../src/data/synthetic.js";
import type { JobRecord } from "../src/service/jobs.js";
import { type RunningFactory, startFactory } from "../src/service/server.js";
import { tempDir, tinyModelDir } from "./helpers.js";

const CHAIN_ID = 977_101;

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
  let anvil: Anvil;
  let deployment: Deployment;
  let gateway: RunningGateway;
  let factory: RunningFactory;
  const contents = syntheticDatanet(16, 33);
  const wallet = (index: number) => {
    const chain = defineChain({
      id: CHAIN_ID,
      name: "anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    return createWalletClient({
      account: privateKeyToAccount(anvilPrivateKeys[index] as Hex),
      chain,
      transport: http(anvil.rpcUrl),
      pollingInterval: 50,
    });
  };
  const owner = () => wallet(1);
  const contributor = () => wallet(3);
  const developer = () => wallet(5);
  let datanetId: bigint;
  const contributionIds: bigint[] = [];

  beforeAll(async () => {
    dir = await tempDir("onchain");
    anvil = await startAnvil({ chainId: CHAIN_ID });
    deployment = await deployProtocol({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID, timeoutMs: 240_000 });
    const contracts = deployment.contracts;
    ({ datanetId } = await createDatanet(owner(), {
      contracts,
      metadataURI: "ipfs://geography-facts",
      contributionBond: 0n,
      accessFee: 0n,
      reviewTimeout: 86_400n,
      curators: [owner().account.address],
    }));
    gateway = await startGateway({
      blobs: new LocalBlobStore(join(dir.path, "blobs")),
      visibility: new LocalBlobVisibility(join(dir.path, "visibility")),
      access: await ViemAccessChecker.connect({
        rpcUrl: anvil.rpcUrl,
        datanetRegistry: contracts.DatanetRegistry,
      }),
      nonces: await FileNonceStore.open(join(dir.path, "nonces.log")),
    });
    for (const c of contents) {
      await fetch(`${gateway.url}/blobs?visibility=datanet`, {
        method: "POST",
        body: Buffer.from(c.content),
      });
      const { contributionId } = await contribute(contributor(), {
        contracts,
        datanetId,
        contentHash: c.contentHash,
        uri: `${gateway.url}/blobs/${c.contentHash.slice(2)}`,
      });
      await acceptContribution(owner(), { contracts, contributionId });
      contributionIds.push(contributionId);
    }
    factory = await startFactory({
      dataDir: join(dir.path, "factory"),
      baseModels: { "llama-tiny": await tinyModelDir(join(dir.path, "model")) },
      dataSource: new GatewayDataSource(gateway.url),
    });
  }, 300_000);
  afterAll(async () => {
    await factory?.close();
    await gateway?.close();
    await anvil?.stop();
    await removeDeployment(CHAIN_ID);
    await dir?.remove();
  });

  const launch = async () => {
    const source = new GatewayDataSource(gateway.url);
    const { chainId, datanetRegistry } = await source.domain();
    const access = await signAccessRequest(developer().account, {
      chainId,
      datanetRegistry,
      datanetId,
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
    });
    const response = await fetch(`${factory.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        {
          baseModel: "llama-tiny",
          datanets: [{ datanetId, contributionIds }],
          access: [access],
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

    const contracts = deployment.contracts;
    await requestAccess(developer(), { contracts, datanetId });
    await approveAccess(owner(), { contracts, datanetId, account: developer().account.address });
    const job = await launch();
    expect(job.status).toBe("completed");
    const output = job.output;
    if (!output?.manifestRoot) throw new Error("no output");

    const { modelId } = await registerModel(developer(), {
      contracts,
      baseModelId: "llama-tiny",
      adapterHash: output.adapterHash,
      adapterURI: `${factory.url}/jobs/${job.id}/adapter`,
      manifestRoot: output.manifestRoot,
      datanetIds: [datanetId],
      pricePerRequest: parseEther("1"),
      metadataURI: "ipfs://geography-tuned",
    });
    const model = await getModel(createPublicClient({ transport: http(anvil.rpcUrl) }), {
      contracts,
      modelId,
    });
    expect(model.owner).toBe(developer().account.address);
    expect(model.adapterHash).toBe(output.adapterHash);
    expect(model.manifestRoot).toBe(output.manifestRoot);
  });
});
