import { type Chain, createPublicClient, defineChain, http, type PublicClient } from "viem";
import type { AppConfig } from "./config.js";

export const LOCAL_CHAIN_IDS = new Set([31_337]);

export function chainOf(config: Pick<AppConfig, "chainId" | "rpcUrl" | "local">): Chain {
  return defineChain({
    id: config.chainId,
    name: config.local ? `Local network (${config.chainId})` : `Chain ${config.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
}

export function publicClientOf(config: AppConfig): PublicClient {
  return createPublicClient({ chain: chainOf(config), transport: http(config.rpcUrl), pollingInterval: 250 });
}
