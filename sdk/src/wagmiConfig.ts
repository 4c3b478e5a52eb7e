import { type Chain, http } from "viem";
import { anvil } from "viem/chains";
import { type Config, type CreateConnectorFn, createConfig, injected } from "wagmi";
import type { Deployment } from "./deployments.js";
import { BaseError } from "./errors/base.js";

/** The protocol's addresses on one chain (`deployment.contracts`). */
export type ProtocolContracts = Deployment["contracts"];

/** One chain the dApp works on: the chain, its RPC and the protocol's addresses there. */
export type PayableChainDeployment = {
  chain: Chain;
  /** JSON-RPC endpoint; the chain's default when left out. */
  rpcUrl?: string | undefined;
  contracts: ProtocolContracts;
};

export type CreatePayableWagmiConfigParameters = {
  /** The chain the protocol is deployed on; anvil (31337) by default. Ignored with `deployments`. */
  chain?: Chain | undefined;
  /** JSON-RPC endpoint of `chain`; the chain's default when left out. */
  rpcUrl?: string | undefined;
  /** The protocol's addresses on `chain`, for the flow hooks (`useContribute`, ...). */
  contracts?: ProtocolContracts | undefined;
  /** Several chains, each with its addresses: the flow hooks use the wallet's current chain. */
  deployments?: readonly PayableChainDeployment[] | undefined;
  /** Wallet connectors; the injected (browser) wallet by default. */
  connectors?: CreateConnectorFn[] | undefined;
};

const addressesByConfig = new WeakMap<Config, Map<number, ProtocolContracts>>();

/**
 * A wagmi config for the protocol's chains, with the injected (browser wallet) connector and
 * the protocol's addresses bound per chain, so the flow hooks need no addresses.
 *
 * @example
 * const config = createPayableWagmiConfig({ rpcUrl: "http://127.0.0.1:8545", contracts: deployment.contracts })
 * // <WagmiProvider config={config}> ... const { mutateAsync } = useContribute()
 */
export function createPayableWagmiConfig(parameters: CreatePayableWagmiConfigParameters = {}): Config {
  const deployments: readonly { chain: Chain; rpcUrl?: string | undefined; contracts?: ProtocolContracts }[] =
    parameters.deployments ?? [
      { chain: parameters.chain ?? anvil, rpcUrl: parameters.rpcUrl, contracts: parameters.contracts },
    ];
  const [first, ...rest] = deployments.map((d) => d.chain);
  if (first === undefined) throw new BaseError("createPayableWagmiConfig needs at least one chain.");
  const config = createConfig({
    chains: [first, ...rest],
    connectors: parameters.connectors ?? [injected()],
    transports: Object.fromEntries(deployments.map((d) => [d.chain.id, http(d.rpcUrl)])),
  });
  const addresses = new Map<number, ProtocolContracts>();
  for (const d of deployments) if (d.contracts) addresses.set(d.chain.id, d.contracts);
  addressesByConfig.set(config, addresses);
  return config;
}

export class ProtocolNotDeployedError extends BaseError {
  override name = "ProtocolNotDeployedError";
  constructor(chainId: number, known: readonly number[]) {
    super(`The protocol has no addresses on chain ${chainId} in this wagmi config.`, {
      details:
        known.length > 0
          ? `Addresses are known for chain${known.length > 1 ? "s" : ""} ${known.join(", ")}: switch the wallet to one of them.`
          : "Pass `contracts` (or `deployments`) to createPayableWagmiConfig.",
    });
  }
}
export type GetProtocolContractsErrorType = ProtocolNotDeployedError;

/**
 * The protocol's addresses on `chainId` as bound in a config made by `createPayableWagmiConfig`.
 *
 * @example
 * const contracts = getProtocolContracts(config, 31337)
 */
export function getProtocolContracts(config: Config, chainId: number): ProtocolContracts {
  const addresses = addressesByConfig.get(config);
  const contracts = addresses?.get(chainId);
  if (contracts === undefined) throw new ProtocolNotDeployedError(chainId, [...(addresses?.keys() ?? [])]);
  return contracts;
}
