import { dataAccessRequestTypes, dataGatewayDomain } from "@payable-ai/sdk";
import { createPayableWagmiConfig } from "@payable-ai/sdk/wagmi";
import {
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainInfo, Domain } from "./api.js";

/** The first funded account of a local anvil network; only offered on chain 31337. */
const DEV_KEY: Hex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
export const LOCAL_CHAIN_ID = 31_337;

export function wagmiConfig(domain: Domain, chain: ChainInfo | null) {
  return createPayableWagmiConfig({
    chain: chainOf({ chainId: domain.chainId, rpcUrl: chain?.rpcUrl ?? "http://127.0.0.1:8545" }),
  });
}

export interface Signer {
  address: Address;
  kind: "dev" | "injected";
  /** A viem wallet client for on-chain writes (SDK actions). */
  walletClient(chain: ChainInfo): Promise<WalletClient<Transport, Chain, Account>>;
  signTypedData(parameters: {
    domain: ReturnType<typeof dataGatewayDomain>;
    types: typeof dataAccessRequestTypes;
    primaryType: "DataAccessRequest";
    message: { account: Address; datanetId: bigint; nonce: Hex; expiresAt: bigint };
  }): Promise<Hex>;
}

export function chainOf(info: { chainId: number; rpcUrl: string }): Chain {
  return defineChain({
    id: info.chainId,
    name: info.chainId === LOCAL_CHAIN_ID ? "Local network" : `Chain ${info.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [info.rpcUrl] } },
  });
}

export function devSigner(): Signer {
  const account = privateKeyToAccount(DEV_KEY);
  return {
    address: account.address,
    kind: "dev",
    signTypedData: (p) => account.signTypedData(p),
    walletClient: async (info) =>
      createWalletClient({
        account,
        chain: chainOf(info),
        transport: http(info.rpcUrl),
        pollingInterval: 200,
      }),
  };
}

/** Signs a single-use, 10-minute DataAccessRequest for one datanet. */
export async function signAccess(signer: Signer, domain: Domain, datanetId: bigint) {
  const nonce =
    `0x${[...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("")}` as Hex;
  const request = {
    account: signer.address,
    datanetId,
    nonce,
    expiresAt: BigInt(Math.floor(Date.now() / 1000) + 600),
  };
  const signature = await signer.signTypedData({
    domain: dataGatewayDomain(domain.chainId, domain.datanetRegistry),
    types: dataAccessRequestTypes,
    primaryType: "DataAccessRequest",
    message: request,
  });
  return {
    request: { ...request, datanetId: datanetId.toString(), expiresAt: request.expiresAt.toString() },
    signature,
  };
}
