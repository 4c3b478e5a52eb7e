import { decodeContractError } from "@payable-ai/sdk";
import { iDatanetRegistryAbi, iKeeperRegistryAbi } from "@payable-ai/sdk/abis";
import {
  type Address,
  BaseError,
  createPublicClient,
  getAddress,
  HttpRequestError,
  http,
  type PublicClient,
  TimeoutError,
  type Transport,
} from "viem";
import {
  type AccessChecker,
  ChainUnavailableError,
  ContributionNotFoundError,
  type ContributionRecord,
  DatanetNotFoundError,
} from "./accessChecker.js";
import { RpcHealth } from "./rpcHealth.js";

/** How long one JSON-RPC call may take before the gateway answers 503 `rpc_unavailable`. */
export const DEFAULT_RPC_TIMEOUT_MS = 5_000;

export type ViemAccessCheckerParameters = {
  rpcUrl: string;
  datanetRegistry: Address;
  keeperRegistry?: Address | undefined;
  /** Per call, default 5 s; a call is not retried, so this bounds a request's wait on the chain. */
  rpcTimeoutMs?: number;
  /** First block searched for a contributor's contributions (the deployment's start block); default 0. */
  fromBlock?: bigint;
  /** Records the outcome of every call; a fresh one (30 s window) when left out. */
  rpcHealth?: RpcHealth;
};

/** {@link AccessChecker} over JSON-RPC: view calls to the DatanetRegistry at the latest block. */
export class ViemAccessChecker implements AccessChecker {
  private constructor(
    readonly client: PublicClient,
    readonly chainId: number,
    readonly datanetRegistry: Address,
    readonly keeperRegistry: Address | undefined,
    readonly rpcHealth: RpcHealth,
    readonly rpcTimeoutMs: number,
    readonly fromBlock: bigint,
  ) {}

  /** The chain id behind `rpcUrl` (to find its deployment file). */
  static async chainIdOf(rpcUrl: string, rpcTimeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<number> {
    try {
      return await createPublicClient({
        transport: http(rpcUrl, { retryCount: 2, timeout: rpcTimeoutMs }),
      }).getChainId();
    } catch (cause) {
      throw new ChainUnavailableError(`cannot reach ${rpcUrl}`, { cause });
    }
  }

  /** Connects and reads the chain id once (it scopes every signature the gateway accepts). */
  static async connect(parameters: ViemAccessCheckerParameters): Promise<ViemAccessChecker> {
    const rpcHealth = parameters.rpcHealth ?? new RpcHealth();
    const rpcTimeoutMs = parameters.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    const client = createPublicClient({
      transport: tracked(http(parameters.rpcUrl, { retryCount: 0, timeout: rpcTimeoutMs }), rpcHealth),
    });
    let chainId: number;
    try {
      chainId = await client.getChainId();
    } catch (cause) {
      throw new ChainUnavailableError(`cannot reach ${parameters.rpcUrl}`, { cause });
    }
    for (const address of [parameters.datanetRegistry, parameters.keeperRegistry]) {
      if (address === undefined) continue;
      const code = await client.getCode({ address });
      if (code === undefined || code === "0x")
        throw new Error(`no contract at ${address} on chain ${chainId}`);
    }
    const keeperRegistry =
      parameters.keeperRegistry === undefined ? undefined : getAddress(parameters.keeperRegistry);
    return new ViemAccessChecker(
      client,
      chainId,
      getAddress(parameters.datanetRegistry),
      keeperRegistry,
      rpcHealth,
      rpcTimeoutMs,
      parameters.fromBlock ?? 0n,
    );
  }

  async isContributor(datanetId: bigint, account: Address): Promise<boolean> {
    try {
      const logs = await this.client.getContractEvents({
        address: this.datanetRegistry,
        abi: iDatanetRegistryAbi,
        eventName: "ContributionSubmitted",
        args: { datanetId, contributor: account },
        fromBlock: this.fromBlock,
        toBlock: "latest",
      });
      return logs.length > 0;
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  async hasAccess(datanetId: bigint, account: Address): Promise<boolean> {
    try {
      return await this.client.readContract({
        address: this.datanetRegistry,
        abi: iDatanetRegistryAbi,
        functionName: "hasAccess",
        args: [datanetId, account],
      });
    } catch (error) {
      if (decodeContractError(error, iDatanetRegistryAbi)?.errorName === "DatanetUnknown") {
        throw new DatanetNotFoundError(datanetId);
      }
      throw this.#unavailable(error);
    }
  }

  async isActiveKeeper(account: Address): Promise<boolean> {
    if (this.keeperRegistry === undefined) return false;
    try {
      return await this.client.readContract({
        address: this.keeperRegistry,
        abi: iKeeperRegistryAbi,
        functionName: "isActive",
        args: [account],
      });
    } catch (error) {
      throw this.#unavailable(error);
    }
  }

  async getContribution(contributionId: bigint): Promise<ContributionRecord> {
    try {
      const c = await this.client.readContract({
        address: this.datanetRegistry,
        abi: iDatanetRegistryAbi,
        functionName: "getContribution",
        args: [contributionId],
      });
      return {
        contributionId,
        datanetId: c.datanetId,
        contributor: c.contributor,
        contentHash: c.contentHash,
        status: c.status,
        uri: c.uri,
      };
    } catch (error) {
      if (decodeContractError(error, iDatanetRegistryAbi)?.errorName === "DatanetUnknownContribution") {
        throw new ContributionNotFoundError(contributionId);
      }
      throw this.#unavailable(error);
    }
  }

  #unavailable(cause: unknown): ChainUnavailableError {
    const timedOut = cause instanceof BaseError && cause.walk((e) => e instanceof TimeoutError) !== null;
    const message = timedOut
      ? `the chain RPC did not answer within ${this.rpcTimeoutMs} ms`
      : `the chain RPC call failed: ${(cause as Error).message?.split("\n")[0]}`;
    return new ChainUnavailableError(message, { cause });
  }
}

/**
 * `transport`, recording into `health` whether each call got an answer. A JSON-RPC
 * error (a revert) is an answer; a timeout or an HTTP failure is not.
 */
function tracked(transport: Transport, health: RpcHealth): Transport {
  return (parameters) => {
    const inner = transport(parameters);
    return {
      ...inner,
      request: (async (...args: Parameters<typeof inner.request>) => {
        try {
          const result = await inner.request(...args);
          health.recordSuccess();
          return result;
        } catch (error) {
          if (error instanceof HttpRequestError || error instanceof TimeoutError) health.recordFailure(error);
          else health.recordSuccess();
          throw error;
        }
      }) as typeof inner.request,
    };
  };
}
