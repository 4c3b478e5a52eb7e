import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  parseEther,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, inject } from "vitest";
import type { Deployment } from "../src/deployments.js";
import { openTokenAbi } from "../src/generated/abis.js";
import { anvilPrivateKeys } from "../src/testing/anvil.js";

export type SharedChain = {
  rpcUrl: string;
  chainId: number;
  chain: Chain;
  deployment: Deployment;
  contracts: Deployment["contracts"];
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  /** Sends OPEN from the deployer (who holds the initial supply) to `to`. */
  fund(to: Hex, amount?: bigint): Promise<void>;
};

/** Clients for the shared test chain; the chain is reverted to its state before the file ran. */
export function sharedChain(): SharedChain {
  const rpcUrl = inject("rpcUrl");
  const chainId = inject("chainId");
  const deployment = inject("deployment");
  const chain: Chain = defineChain({
    id: chainId,
    name: "sdk-test",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const publicClient: PublicClient<Transport, Chain> = createPublicClient({
    chain,
    transport,
    pollingInterval: 50,
  });
  const testClient: TestClient<"anvil", Transport, Chain> = createTestClient({
    chain,
    transport,
    mode: "anvil",
  });
  const wallet = (index: number): WalletClient<Transport, Chain, Account> =>
    createWalletClient({
      account: privateKeyToAccount(anvilPrivateKeys[index] as Hex),
      chain,
      transport,
      pollingInterval: 50,
    });

  let snapshot: Hex | undefined;
  beforeAll(async () => {
    snapshot = await testClient.snapshot();
  });
  afterAll(async () => {
    if (snapshot) await testClient.revert({ id: snapshot });
  });

  /** Sends OPEN from the deployer (who holds the initial supply) to `to`. */
  const fund = async (to: Hex, amount = parseEther("10000")) => {
    const hash = await wallet(0).writeContract({
      address: deployment.contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [to, amount],
    });
    await publicClient.waitForTransactionReceipt({ hash });
  };

  return {
    rpcUrl,
    chainId,
    chain,
    deployment,
    contracts: deployment.contracts,
    publicClient,
    testClient,
    wallet,
    fund,
  };
}
