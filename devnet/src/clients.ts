import { defineRpcChain } from "@payable-ai/sdk";
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

export type Wallet = WalletClient<Transport, Chain, Account>;

export type DevnetClients = {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  testClient: TestClient<"anvil", Transport, Chain>;
  wallet(privateKey: Hex): Wallet;
};

/** viem clients for a local chain. */
export function devnetClients(rpcUrl: string, chainId: number): DevnetClients {
  const chain = defineRpcChain({ id: chainId, name: `Payable AI local (${chainId})`, rpcUrl });
  const transport = http(rpcUrl, { retryCount: 0 });
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }),
    testClient: createTestClient({ chain, transport, mode: "anvil" }),
    wallet: (privateKey) =>
      createWalletClient({
        account: privateKeyToAccount(privateKey),
        chain,
        transport,
        pollingInterval: 100,
      }),
  };
}
