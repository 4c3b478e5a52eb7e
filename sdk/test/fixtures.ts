import { type Hex, parseEther } from "viem";
import { acceptContribution } from "../src/actions/datanets/acceptContribution.js";
import { approveAccess } from "../src/actions/datanets/approveAccess.js";
import { contribute } from "../src/actions/datanets/contribute.js";
import { createDatanet } from "../src/actions/datanets/createDatanet.js";
import { requestAccess } from "../src/actions/datanets/requestAccess.js";
import { stakeKeeper } from "../src/actions/keepers/stakeKeeper.js";
import { registerModel } from "../src/actions/models/registerModel.js";
import { keeperRegistryAbi } from "../src/generated/abis.js";
import { contentHash } from "../src/utils/contentHash.js";
import { createTrainingManifest } from "../src/utils/trainingManifest.js";
import type { sharedChain } from "./chain.js";

type Chain = ReturnType<typeof sharedChain>;

/** Account indexes of anvil's keys as the SDK tests use them. */
export const roles = {
  owner: 1,
  curator: 2,
  contributor: 3,
  contributor2: 4,
  developer: 5,
  user: 6,
} as const;
export const keeperIndexes = [7, 8, 9] as const;

/** A datanet (owner 1, curator 2) with `texts.length` accepted contributions by accounts 3 and 4. */
export async function datanetWithContributions(chain: Chain, texts: readonly string[]) {
  const { contracts, wallet, fund } = chain;
  for (const index of [
    roles.owner,
    roles.curator,
    roles.contributor,
    roles.contributor2,
    roles.developer,
    roles.user,
  ]) {
    await fund(wallet(index).account.address);
  }
  const { datanetId } = await createDatanet(wallet(roles.owner), {
    contracts,
    metadataURI: "ipfs://datanet",
    contributionBond: parseEther("10"),
    accessFee: parseEther("50"),
    reviewTimeout: 86_400n,
    curators: [wallet(roles.curator).account.address],
  });
  const contributions: { contributionId: bigint; contentHash: Hex }[] = [];
  for (const [i, text] of texts.entries()) {
    const hash = contentHash(text);
    const contributor = wallet(i % 2 === 0 ? roles.contributor : roles.contributor2);
    const { contributionId } = await contribute(contributor, {
      contracts,
      datanetId,
      contentHash: hash,
      uri: `blob:${i}`,
    });
    await acceptContribution(wallet(roles.curator), { contracts, contributionId });
    contributions.push({ contributionId, contentHash: hash });
  }
  return { datanetId, contributions };
}

/** The datanet above, access for the developer (5) and a model trained on every contribution. */
export async function modelOnDatanet(chain: Chain, texts: readonly string[], price = parseEther("2")) {
  const { contracts, wallet } = chain;
  const { datanetId, contributions } = await datanetWithContributions(chain, texts);
  await requestAccess(wallet(roles.developer), { contracts, datanetId });
  await approveAccess(wallet(roles.owner), {
    contracts,
    datanetId,
    account: wallet(roles.developer).account.address,
  });
  const manifest = createTrainingManifest(contributions);
  const { modelId } = await registerModel(wallet(roles.developer), {
    contracts,
    baseModelId: "payable-llama-tiny",
    adapterHash: contentHash(`adapter ${datanetId}`),
    adapterURI: "blob:adapter",
    manifestRoot: manifest.root,
    datanetIds: [datanetId],
    pricePerRequest: price,
    metadataURI: "ipfs://model",
  });
  return { datanetId, contributions, modelId, manifest };
}

/** Stakes the minimum for keepers 7, 8 and 9. */
export async function stakeKeepers(chain: Chain) {
  const { contracts, wallet, fund, publicClient } = chain;
  const minStake = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "minStake",
  });
  for (const index of keeperIndexes) {
    await fund(wallet(index).account.address, minStake + parseEther("100"));
    await stakeKeeper(wallet(index), { contracts, amount: minStake });
  }
  const quorum = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "quorum",
  });
  return { minStake, quorum: Number(quorum) };
}
