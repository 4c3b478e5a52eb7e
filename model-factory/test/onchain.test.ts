/**
 * From datanet access on-chain to a registered model, on the network `npm start` runs
 * (startLocalNetwork, its own chain id and free ports): the Model Factory is refused the data until
 * the datanet owner grants access, then trains, and the network's inference node serves the
 * registered model with the adapter it fetches from the gateway by its on-chain hash.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEMO_BASE_MODEL,
  demoKeys,
  FactoryClient,
  fundAccount,
  type LocalNetwork,
  startLocalNetwork,
} from "@payable-ai/devnet";
import { DEMO_CONFIG, readAdapterPackage } from "@payable-ai/inference-node";
import { approveAccess, getModel, modelAdapterId, registerModel, requestAccess } from "@payable-ai/sdk";
import { removeDeployment } from "@payable-ai/sdk/testing";
import { parseEther } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHAIN_ID = 31_445;

describe("from datanet access on-chain to a registered model", () => {
  let network: LocalNetwork;
  let dataDir: string;
  /** A new model developer with ETH and OPEN and no access to the datanet yet. */
  const developerKey = generatePrivateKey();
  const developer = () => network.clients.wallet(developerKey);
  const contracts = () => network.deployment.contracts;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "onchain-"));
    network = await startLocalNetwork({ chainId: CHAIN_ID, dataDir, demo: "datanet" });
    await fundAccount(network.clients, network.deployment, developer().account.address);
  }, 300_000);
  afterAll(async () => {
    await network?.stop();
    await removeDeployment(CHAIN_ID);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const launch = async () => {
    const factory = new FactoryClient(network.factoryUrl);
    const demo = network.demo as NonNullable<LocalNetwork["demo"]>;
    const created = await factory.fineTune({
      account: developer().account,
      chainId: CHAIN_ID,
      datanetRegistry: contracts().DatanetRegistry,
      datanetId: demo.datanetId,
      contributionIds: demo.contributionIds,
      baseModel: DEMO_BASE_MODEL,
      name: "access check",
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
    });
    return factory.waitForJob(created.id, () => {}, 120_000);
  };

  it("refuses the data until the owner grants access, then trains, registers and is served", async () => {
    const refused = await launch();
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/has no access to datanet/);

    const datanetId = network.demo?.datanetId as bigint;
    await requestAccess(developer(), { contracts: contracts(), datanetId });
    await approveAccess(network.clients.wallet(demoKeys.datanetOwner), {
      contracts: contracts(),
      datanetId,
      account: developer().account.address,
    });
    const job = await launch();
    expect(job.status, job.error ?? "").toBe("completed");
    const output = job.output;
    if (!output?.manifestRoot) throw new Error("no output");

    const adapterURI = `blob:${output.adapterHash}`;
    const { modelId } = await registerModel(developer(), {
      contracts: contracts(),
      baseModelId: DEMO_BASE_MODEL,
      adapterHash: output.adapterHash,
      adapterURI,
      manifestRoot: output.manifestRoot,
      datanetIds: [datanetId],
      pricePerRequest: parseEther("1"),
      metadataURI: output.metadataURI,
    });
    const model = await getModel(network.clients.publicClient, { contracts: contracts(), modelId });
    expect(model.owner).toBe(developer().account.address);
    expect(model.adapterHash).toBe(output.adapterHash);
    expect(model.manifestRoot).toBe(output.manifestRoot);
    expect(model.adapterURI).toBe(adapterURI);

    // The job's adapter: LoRA on q/k/v/o of every layer.
    const served = new Uint8Array(
      await (await fetch(`${network.factoryUrl}/jobs/${job.id}/adapter`)).arrayBuffer(),
    );
    expect(readAdapterPackage("tuned", served, DEMO_CONFIG).modules).toHaveLength(DEMO_CONFIG.numLayers * 4);

    // The network's inference node serves it under the model's one name, with the adapter it
    // fetched from the gateway and checked against the registered hash.
    const name = modelAdapterId(modelId);
    const completion = await fetch(`${network.inferenceUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: name, messages: [{ role: "user", content: "hello" }], max_tokens: 4 }),
    });
    expect(completion.status).toBe(200);
    const { data } = (await (await fetch(`${network.inferenceUrl}/v1/models`)).json()) as {
      data: { id: string; sha256?: string }[];
    };
    expect(data.find((m) => m.id === name)?.sha256).toBe(output.adapterHash.slice(2));
  }, 300_000);
});
