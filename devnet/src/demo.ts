import {
  acceptContribution,
  approveAccess,
  contentHash,
  contribute,
  createDatanet,
  type Deployment,
  keeperRegistryAbi,
  openTokenAbi,
  requestAccess,
  stakeKeeper,
} from "@payable-ai/sdk";
import { anvilPrivateKeys } from "@payable-ai/sdk/testing";
import { type Address, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { DevnetClients } from "./clients.js";
import { demoDatanetMetadata, demoFacts, factContent } from "./demoDatanet.js";

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

export type DemoResult = {
  datanetId: bigint;
  /** Accepted contributions, one per entry of `demoFacts`, in the same order. */
  contributionIds: bigint[];
  keepers: Address[];
};

/**
 * Seeds a fresh deployment with the parts of the demo that are plain transactions: OPEN for the
 * demo accounts, three staked keepers, the demo datanet (`demoFacts`, one accepted contribution
 * per fact from two contributors, accepted by the curator) and the developer's granted access.
 * The model is then fine-tuned on that datanet by the Model Factory and asked by a requester
 * (see demoModel.ts and demoRequests.ts): nothing here scripts an answer or an attribution.
 */
export async function seedDemo(
  clients: DevnetClients,
  deployment: Deployment,
  log: (message: string) => void = () => {},
): Promise<DemoResult> {
  const { contracts } = deployment;
  const { publicClient, wallet } = clients;
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
    metadataURI: `data:application/json,${encodeURIComponent(JSON.stringify(demoDatanetMetadata))}`,
    contributionBond: parseEther("10"),
    accessFee: parseEther("50"),
    reviewTimeout: 86_400n,
    curators: [curator],
  });
  const contributionIds: bigint[] = [];
  for (const fact of demoFacts) {
    const contributor = wallet(demoKeys.contributors[fact.contributor]);
    const hash = contentHash(factContent(fact));
    const { contributionId } = await contribute(contributor, {
      contracts,
      datanetId,
      contentHash: hash,
      uri: `blob:${hash}`,
    });
    await acceptContribution(wallet(demoKeys.curator), { contracts, contributionId });
    contributionIds.push(contributionId);
  }
  log(`datanet ${datanetId} with ${contributionIds.length} accepted question/answer contributions`);

  const developer = wallet(demoKeys.developer);
  await requestAccess(developer, { contracts, datanetId });
  await approveAccess(owner, { contracts, datanetId, account: developer.account.address });
  log("the model developer was granted access to the datanet");
  return { datanetId, contributionIds, keepers };
}

/**
 * Gives a new account (a user the demo did not seed) ETH for gas and OPEN from the deployer, as a
 * faucet would on a test network.
 */
export async function fundAccount(
  clients: DevnetClients,
  deployment: Deployment,
  account: Address,
  amounts: { eth?: bigint; open?: bigint } = {},
): Promise<void> {
  await clients.testClient.setBalance({ address: account, value: amounts.eth ?? parseEther("10") });
  const hash = await clients.wallet(demoKeys.deployer).writeContract({
    address: deployment.contracts.OpenToken,
    abi: openTokenAbi,
    functionName: "transfer",
    args: [account, amounts.open ?? parseEther("100")],
  });
  await clients.publicClient.waitForTransactionReceipt({ hash });
}
