import { parseEther } from "viem";
import { describe, expect, test } from "vitest";
import { sharedChain } from "../../../test/chain.js";
import { datanetWithContributions, modelOnDatanet, roles } from "../../../test/fixtures.js";
import { ContractRevertedError } from "../../errors/contract.js";
import { modelRegistryAbi } from "../../generated/abis.js";
import { contentHash } from "../../utils/contentHash.js";
import { createTrainingManifest } from "../../utils/trainingManifest.js";
import { getModel } from "./getModel.js";
import { pauseModel } from "./pauseModel.js";
import { registerComposite } from "./registerComposite.js";
import { registerModel } from "./registerModel.js";
import { repriceModel } from "./repriceModel.js";
import { retireModel } from "./retireModel.js";
import { unpauseModel } from "./unpauseModel.js";

const chain = sharedChain();
const { contracts, publicClient, wallet } = chain;

describe("model actions", () => {
  test("register stores the adapter hash and manifest root; the developer owns the token", async () => {
    const { modelId, manifest } = await modelOnDatanet(chain, ["one", "two", "three"]);
    const model = await getModel(publicClient, { contracts, modelId });
    expect(model.owner).toBe(wallet(roles.developer).account.address);
    expect(model.manifestRoot).toBe(manifest.root);
    expect(model.pricePerRequest).toBe(parseEther("2"));
    expect(model.status).toBe(1);
  });

  test("registering without access to the datanet is refused", async () => {
    const { datanetId, contributions } = await datanetWithContributions(chain, ["private"]);
    const error = await registerModel(wallet(roles.user), {
      contracts,
      baseModelId: "payable-llama-tiny",
      adapterHash: contentHash("sneaky adapter"),
      adapterURI: "blob:x",
      manifestRoot: createTrainingManifest(contributions).root,
      datanetIds: [datanetId],
      pricePerRequest: 1n,
      metadataURI: "ipfs://x",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertedError);
    expect((error as ContractRevertedError).errorName).toBe("ModelNoDatanetAccess");
    expect((error as ContractRevertedError).args).toEqual([datanetId, wallet(roles.user).account.address]);
  });

  test("reprice, pause, unpause, retire; strangers cannot", async () => {
    const { modelId } = await modelOnDatanet(chain, ["four"]);
    const developer = wallet(roles.developer);
    await repriceModel(developer, { contracts, modelId, pricePerRequest: parseEther("3") });
    expect((await getModel(publicClient, { contracts, modelId })).pricePerRequest).toBe(parseEther("3"));
    await pauseModel(developer, { contracts, modelId });
    expect((await getModel(publicClient, { contracts, modelId })).status).toBe(2);
    await unpauseModel(developer, { contracts, modelId });
    await expect(pauseModel(wallet(roles.user), { contracts, modelId })).rejects.toThrow(
      /ModelNotAuthorized/,
    );
    await retireModel(developer, { contracts, modelId });
    expect((await getModel(publicClient, { contracts, modelId })).status).toBe(3);
  });

  test("a composite lists its parts with weights", async () => {
    const a = await modelOnDatanet(chain, ["five"]);
    const b = await modelOnDatanet(chain, ["six"]);
    const { modelId } = await registerComposite(wallet(roles.user), {
      contracts,
      parts: [
        { modelId: a.modelId, weightBps: 7000n },
        { modelId: b.modelId, weightBps: 3000n },
      ],
      // Each part's share of the price must cover that part's own price (2 OPEN).
      pricePerRequest: parseEther("10"),
      metadataURI: "ipfs://ensemble",
    });
    expect((await getModel(publicClient, { contracts, modelId })).isComposite).toBe(true);
    const parts = await publicClient.readContract({
      address: contracts.ModelRegistry,
      abi: modelRegistryAbi,
      functionName: "parts",
      args: [modelId],
    });
    expect(JSON.stringify(parts, (_, v) => (typeof v === "bigint" ? v.toString() : v))).toContain(
      a.modelId.toString(),
    );
    await expect(
      registerComposite(wallet(roles.user), {
        contracts,
        parts: [
          { modelId: a.modelId, weightBps: 6000n },
          { modelId: b.modelId, weightBps: 3000n },
        ],
        pricePerRequest: 1n,
        metadataURI: "ipfs://bad",
      }),
    ).rejects.toThrow(/ModelPartWeightsNotTotal/);
  });
});
