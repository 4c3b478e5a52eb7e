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
  requestAccess,
} from "@payable-ai/sdk";
import {
  type Anvil,
  anvilPrivateKeys,
  deployProtocol,
  removeDeployment,
  startAnvil,
} from "@payable-ai/sdk/testing";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { SyntheticContribution } from "../src/data/synthetic.js";

/**
 * anvil with the deployed protocol, one datanet holding `contents` (accepted), and the keepers'
 * data gateway checking access on that chain's DatanetRegistry. Accounts are anvil's keys by index.
 */
export interface ProtocolChain {
  anvil: Anvil;
  deployment: Deployment;
  contracts: Deployment["contracts"];
  publicClient: PublicClient;
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  gateway: RunningGateway;
  datanetId: bigint;
  contributionIds: bigint[];
  /** `requestAccess` by the account, approved by the owner. */
  grantAccess(index: number): Promise<void>;
  /** The owner approves a pending access request of the account. */
  approveAccess(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startProtocolChain(
  directory: string,
  options: {
    chainId: number;
    contents: readonly SyntheticContribution[];
    owner: number;
    contributor: number;
    /** Local-network parameters (short governance periods, no proposal threshold). */
    local?: boolean;
  },
): Promise<ProtocolChain> {
  const anvil = await startAnvil({ chainId: options.chainId });
  try {
    const deployment = await deployProtocol({
      rpcUrl: anvil.rpcUrl,
      chainId: options.chainId,
      timeoutMs: 240_000,
      env: options.local ? { LOCAL_NETWORK: "true" } : undefined,
    });
    const { contracts } = deployment;
    const chain = defineChain({
      id: options.chainId,
      name: "anvil",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const wallet = (index: number): WalletClient<Transport, Chain, Account> =>
      createWalletClient({
        account: privateKeyToAccount(anvilPrivateKeys[index] as Hex),
        chain,
        transport: http(anvil.rpcUrl),
        pollingInterval: 50,
      });
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) }) as PublicClient;
    const owner = wallet(options.owner);
    const { datanetId } = await createDatanet(owner, {
      contracts,
      metadataURI: "ipfs://geography-facts",
      contributionBond: 0n,
      accessFee: 0n,
      reviewTimeout: 86_400n,
      curators: [owner.account.address],
    });
    const gateway = await startGateway({
      blobs: new LocalBlobStore(join(directory, "blobs")),
      visibility: new LocalBlobVisibility(join(directory, "visibility")),
      access: await ViemAccessChecker.connect({
        rpcUrl: anvil.rpcUrl,
        datanetRegistry: contracts.DatanetRegistry,
      }),
      nonces: await FileNonceStore.open(join(directory, "nonces.log")),
    });
    const contributionIds: bigint[] = [];
    for (const c of options.contents) {
      await fetch(`${gateway.url}/blobs?visibility=datanet`, {
        method: "POST",
        body: Buffer.from(c.content),
      });
      const { contributionId } = await contribute(wallet(options.contributor), {
        contracts,
        datanetId,
        contentHash: c.contentHash,
        uri: `datanet://${datanetId}/${c.contentHash}`,
      });
      await acceptContribution(owner, { contracts, contributionId });
      contributionIds.push(contributionId);
    }
    return {
      anvil,
      deployment,
      contracts,
      publicClient,
      wallet,
      gateway,
      datanetId,
      contributionIds,
      approveAccess: async (index: number) => {
        await approveAccess(owner, { contracts, datanetId, account: wallet(index).account.address });
      },
      grantAccess: async (index: number) => {
        await requestAccess(wallet(index), { contracts, datanetId });
        await approveAccess(owner, { contracts, datanetId, account: wallet(index).account.address });
      },
      stop: async () => {
        await gateway.close();
        await anvil.stop();
        await removeDeployment(options.chainId);
      },
    };
  } catch (error) {
    await anvil.stop();
    await removeDeployment(options.chainId);
    throw error;
  }
}
