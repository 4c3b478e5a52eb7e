import { type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { acceptContribution } from "../src/actions/datanets/acceptContribution.js";
import { approveAccess } from "../src/actions/datanets/approveAccess.js";
import { contribute } from "../src/actions/datanets/contribute.js";
import { createDatanet } from "../src/actions/datanets/createDatanet.js";
import { requestAccess } from "../src/actions/datanets/requestAccess.js";
import { getRequest } from "../src/actions/inference/getRequest.js";
import { getScheduledExecutor } from "../src/actions/inference/getScheduledExecutor.js";
import { signAttributionReport } from "../src/actions/inference/signAttributionReport.js";
import { stakeKeeper } from "../src/actions/keepers/stakeKeeper.js";
import { registerModel } from "../src/actions/models/registerModel.js";
import type { AttributionReport } from "../src/eip712.js";
import { keeperRegistryAbi } from "../src/generated/abis.js";
import { anvilPrivateKeys } from "../src/testing/anvil.js";
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
/** The keepers' local accounts, for signing reports. */
export const keeperAccounts = keeperIndexes.map((i) => privateKeyToAccount(anvilPrivateKeys[i] as Hex));

/** Moves the chain's clock `seconds` forward and mines a block at the new time. */
export async function passTime(chain: Chain, seconds: bigint) {
  await chain.testClient.increaseTime({ seconds: Number(seconds) });
  await chain.testClient.mine({ blocks: 1 });
}

/**
 * A report for the request's current round (`getRequest(id).round`) executed by the keeper the
 * market schedules now (`getScheduledExecutor`); `fields` override the defaults.
 */
export async function reportFor(
  chain: Chain,
  requestId: bigint,
  fields: Partial<Omit<AttributionReport, "requestId">> = {},
): Promise<AttributionReport> {
  const { publicClient, contracts } = chain;
  const [request, { executor }] = await Promise.all([
    getRequest(publicClient, { contracts, requestId }),
    getScheduledExecutor(publicClient, { contracts, requestId }),
  ]);
  return {
    requestId,
    round: request.round,
    modelId: request.modelId,
    outputHash: contentHash(`output ${requestId} round ${request.round}`),
    outputURI: `blob:output-${requestId}`,
    executor,
    attributionVersion: 1,
    attributions: [],
    ...fields,
  };
}

/**
 * Signatures over `report` by `signers`: by default all three keepers, which meets both the count
 * quorum and the stake quorum (two thirds of bonded stake) whatever their stakes.
 */
export function signReport(
  chain: Chain,
  report: AttributionReport,
  signers: readonly (typeof keeperAccounts)[number][] = keeperAccounts,
) {
  return Promise.all(
    signers.map((account) =>
      signAttributionReport(account, {
        chainId: chain.chainId,
        market: chain.contracts.InferenceMarket,
        report,
      }),
    ),
  );
}

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
  const { datanetIds, contributions, modelId, manifest } = await modelOnDatanets(chain, [texts], price);
  return { datanetId: datanetIds[0] as bigint, contributions, modelId, manifest };
}

/** One such datanet per list of texts, and a model trained on every contribution of all of them. */
export async function modelOnDatanets(
  chain: Chain,
  textsPerDatanet: readonly (readonly string[])[],
  price = parseEther("2"),
) {
  const { contracts, wallet } = chain;
  const datanetIds: bigint[] = [];
  const contributions: { contributionId: bigint; contentHash: Hex; datanetId: bigint }[] = [];
  for (const texts of textsPerDatanet) {
    const created = await datanetWithContributions(chain, texts);
    await requestAccess(wallet(roles.developer), { contracts, datanetId: created.datanetId });
    await approveAccess(wallet(roles.owner), {
      contracts,
      datanetId: created.datanetId,
      account: wallet(roles.developer).account.address,
    });
    datanetIds.push(created.datanetId);
    contributions.push(...created.contributions.map((c) => ({ ...c, datanetId: created.datanetId })));
  }
  const manifest = createTrainingManifest(contributions);
  const { modelId } = await registerModel(wallet(roles.developer), {
    contracts,
    baseModelId: "payable-llama-tiny",
    adapterHash: contentHash(`adapter ${datanetIds.join(",")}`),
    adapterURI: "blob:adapter",
    manifestRoot: manifest.root,
    datanetIds,
    pricePerRequest: price,
    metadataURI: "ipfs://model",
  });
  return { datanetIds, contributions, modelId, manifest };
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
