import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  parseEther,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, inject } from "vitest";
import { openTokenAbi } from "../src/generated/abis.js";
import { anvilPrivateKeys } from "../src/testing/anvil.js";

/** Clients for the shared test chain; the chain is reverted to its state before the file ran. */
export function sharedChain() {
  const rpcUrl = inject("rpcUrl");
  const chainId = inject("chainId");
  const deployment = inject("deployment");
  const chain = defineChain({
    id: chainId,
    name: "sdk-test",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
  const testClient = createTestClient({ chain, transport, mode: "anvil" });
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
