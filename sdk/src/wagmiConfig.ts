import { type Chain, http } from "viem";
import { anvil } from "viem/chains";
import { type Config, createConfig, injected } from "wagmi";

export type CreatePayableWagmiConfigParameters = {
  /** The chain the protocol is deployed on; anvil (31337) by default. */
  chain?: Chain | undefined;
  /** JSON-RPC endpoint; the chain's default when left out. */
  rpcUrl?: string | undefined;
};

/**
 * A wagmi config for one protocol chain with the injected (browser wallet) connector.
 *
 * @example
 * const config = createPayableWagmiConfig({ rpcUrl: "http://127.0.0.1:8545" })
 * // <WagmiProvider config={config}> ... useReadModelRegistryModels({ address, args: [1n] })
 */
export function createPayableWagmiConfig(parameters: CreatePayableWagmiConfigParameters = {}): Config {
  const chain = parameters.chain ?? anvil;
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    transports: { [chain.id]: http(parameters.rpcUrl) },
  });
}
