import {
  type AttributionReport,
  acceptContribution,
  approveAccess,
  claimRewards,
  contentHash,
  contribute,
  createDatanet,
  createTrainingManifest,
  type Deployment,
  finalizeRequests,
  getRequest,
  keeperRegistryAbi,
  openTokenAbi,
  registerModel,
  requestAccess,
  requestInference,
  requestInferenceWithPermit,
  signAttributionReport,
  stakeKeeper,
  submitReport,
} from "@payable-ai/sdk";
import { anvilPrivateKeys } from "@payable-ai/sdk/testing";
import { type Address, type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevnetClients } from "./clients.js";

/** Who plays which part in the demo (anvil's default accounts). */
export const demoKeys = {
  deployer: anvilPrivateKeys[0],
  datanetOwner: anvilPrivateKeys[1],
  curator: anvilPrivateKeys[2],
  contributors: [anvilPrivateKeys[3], anvilPrivateKeys[4]],
  developer: anvilPrivateKeys[5],
  user: anvilPrivateKeys[6],
  keepers: [anvilPrivateKeys[7], anvilPrivateKeys[8], anvilPrivateKeys[9]],
} as const;

export const demoTexts = [
  "Photosynthesis converts light energy into chemical energy stored in glucose.",
  "Mitochondria are the site of cellular respiration, producing ATP from glucose and oxygen.",
  "The Calvin cycle fixes carbon dioxide into sugars using ATP and NADPH.",
] as const;

/** Inputs of the demo requests: the settled one and the one left open for the keepers. */
export const demoPrompts = {
  settled: "Where is ATP produced?",
  open: "What does the Calvin cycle produce?",
} as const;

export type SeedDemoOptions = {
  /** sha256 of a real adapter package the inference node serves; a placeholder hash otherwise. */
  adapterHash?: Hex | undefined;
};

export type DemoResult = {
  datanetId: bigint;
  contributionIds: bigint[];
  modelId: bigint;
  /** Reported, finalized and claimed by the first contributor. */
  settledRequestId: bigint;
  /** Paid and left open for the keepers. */
  openRequestId: bigint;
  reportDigest: Hex;
  keepers: Address[];
  executor: Address;
  claimed: { account: Address; amount: bigint };
};

/**
 * Seeds a fresh deployment with one of everything: a datanet with accepted contributions, a
 * model trained on them, a request settled end to end (quorum-signed report, challenge window
 * passed with anvil's clock, finalize, claim) and a paid request left open.
 */
export async function seedDemo(
  clients: DevnetClients,
  deployment: Deployment,
  log: (message: string) => void = () => {},
  options: SeedDemoOptions = {},
): Promise<DemoResult> {
  const { contracts } = deployment;
  const { publicClient, testClient, wallet } = clients;
  const deployer = wallet(demoKeys.deployer);

  const participants = [
    demoKeys.datanetOwner,
    demoKeys.curator,
    ...demoKeys.contributors,
    demoKeys.developer,
    demoKeys.user,
    ...demoKeys.keepers,
  ];
  const minStake = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "minStake",
  });
  const allowance = parseEther("1000") + minStake;
  for (const key of participants) {
    const hash = await deployer.writeContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [privateKeyToAccount(key).address, allowance],
    });
    await publicClient.waitForTransactionReceipt({ hash });
  }
  log("funded the demo accounts with OPEN");

  for (const key of demoKeys.keepers) await stakeKeeper(wallet(key), { contracts, amount: minStake });
  const keepers = demoKeys.keepers.map((k) => privateKeyToAccount(k).address);
  log(`staked ${keepers.length} keepers`);

  const owner = wallet(demoKeys.datanetOwner);
  const curator = privateKeyToAccount(demoKeys.curator).address;
  const { datanetId } = await createDatanet(owner, {
    contracts,
    metadataURI: 'data:application/json,{"name":"Biology notes"}',
    contributionBond: parseEther("10"),
    accessFee: parseEther("50"),
    reviewTimeout: 86_400n,
    curators: [curator],
  });
  const contributionIds: bigint[] = [];
  for (const [i, text] of demoTexts.entries()) {
    const contributor = wallet(demoKeys.contributors[i % demoKeys.contributors.length] as Hex);
    const hash = contentHash(text);
    const { contributionId } = await contribute(contributor, {
      contracts,
      datanetId,
      contentHash: hash,
      uri: `blob:${hash}`,
    });
    await acceptContribution(wallet(demoKeys.curator), { contracts, contributionId });
    contributionIds.push(contributionId);
  }
  log(`datanet ${datanetId} with ${contributionIds.length} accepted contributions`);

  const developer = wallet(demoKeys.developer);
  await requestAccess(developer, { contracts, datanetId });
  await approveAccess(owner, { contracts, datanetId, account: developer.account.address });
  const manifest = createTrainingManifest(
    contributionIds.map((id, i) => ({
      contributionId: id,
      contentHash: contentHash(demoTexts[i] as string),
    })),
  );
  const adapterHash = options.adapterHash ?? contentHash("demo adapter weights");
  const { modelId } = await registerModel(developer, {
    contracts,
    baseModelId: "payable-llama-tiny",
    adapterHash,
    adapterURI: `blob:${adapterHash}`,
    manifestRoot: manifest.root,
    datanetIds: [datanetId],
    pricePerRequest: parseEther("2"),
    metadataURI: 'data:application/json,{"name":"Biology tutor"}',
  });
  log(`model ${modelId} registered`);

  const user = wallet(demoKeys.user);
  const prompt = demoPrompts.settled;
  const { requestId: settledRequestId } = await requestInference(user, {
    contracts,
    modelId,
    inputHash: contentHash(prompt),
    inputURI: `blob:${contentHash(prompt)}`,
    maxFee: parseEther("2"),
  });
  const quorum = await publicClient.readContract({
    address: contracts.KeeperRegistry,
    abi: keeperRegistryAbi,
    functionName: "quorum",
  });
  const output = "ATP is produced in the mitochondria during cellular respiration.";
  const executor = keepers[0] as Address;
  const report: AttributionReport = {
    requestId: settledRequestId,
    modelId,
    outputHash: contentHash(output),
    outputURI: `blob:${contentHash(output)}`,
    executor,
    attributionVersion: 1,
    attributions: [
      // Ascending contribution ids, as the market requires.
      { contributionId: contributionIds[0] as bigint, weightBps: 2500 },
      { contributionId: contributionIds[1] as bigint, weightBps: 6000 },
    ],
  };
  const signers = demoKeys.keepers.slice(0, Number(quorum)).map((k) => privateKeyToAccount(k));
  const signatures = await Promise.all(
    signers.map((account) =>
      signAttributionReport(account, {
        chainId: clients.chain.id,
        market: contracts.InferenceMarket,
        report,
      }),
    ),
  );
  const { digest: reportDigest, challengeEndsAt } = await submitReport(wallet(demoKeys.keepers[0]), {
    contracts,
    report,
    signatures,
  });
  log(`request ${settledRequestId} reported by ${signers.length} keepers`);

  const now = (await publicClient.getBlock()).timestamp;
  await testClient.increaseTime({ seconds: Number(challengeEndsAt - now + 1n) });
  await testClient.mine({ blocks: 1 });
  await finalizeRequests(user, { contracts, requestIds: [settledRequestId] });
  const status = await getRequest(publicClient, { contracts, requestId: settledRequestId });
  log(`request ${settledRequestId} ${status.statusName}: fee split and credited`);

  const contributor = wallet(demoKeys.contributors[1]);
  const { amount } = await claimRewards(contributor, { contracts });
  log(`contributor ${contributor.account.address} claimed ${amount} wei OPEN`);

  const openPrompt = demoPrompts.open;
  const { requestId: openRequestId } = await requestInferenceWithPermit(user, {
    contracts,
    modelId,
    inputHash: contentHash(openPrompt),
    inputURI: `blob:${contentHash(openPrompt)}`,
    maxFee: parseEther("2"),
  });
  log(`request ${openRequestId} paid and waiting for keepers`);

  return {
    datanetId,
    contributionIds,
    modelId,
    settledRequestId,
    openRequestId,
    reportDigest,
    keepers,
    executor,
    claimed: { account: contributor.account.address, amount },
  };
}
