import { type Chain, defineChain } from "viem";

export type DefineRpcChainParameters = {
  id: number;
  /** The JSON-RPC endpoint (anvil, a node of the chain). */
  rpcUrl: string;
  name?: string | undefined;
};

/**
 * A viem `Chain` for a chain id served at one RPC URL, with ETH as its currency: anvil, or any
 * network viem does not list.
 *
 * @example
 * const chain = defineRpcChain({ id: 31337, rpcUrl: "http://127.0.0.1:8545" })
 */
export function defineRpcChain({ id, rpcUrl, name = `chain ${id}` }: DefineRpcChainParameters): Chain {
  return defineChain({
    id,
    name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}
