import { decodeContractError } from "@payable-ai/sdk";
import { iDatanetRegistryAbi, iKeeperRegistryAbi } from "@payable-ai/sdk/abis";
import { type Address, createPublicClient, getAddress, http, type PublicClient } from "viem";
import {
  type AccessChecker,
  ChainUnavailableError,
  ContributionNotFoundError,
  type ContributionRecord,
  DatanetNotFoundError,
} from "./accessChecker.js";

/** {@link AccessChecker} over JSON-RPC: view calls to the DatanetRegistry at the latest block. */
export class ViemAccessChecker implements AccessChecker {
  private constructor(
    readonly client: PublicClient,
    readonly chainId: number,
    readonly datanetRegistry: Address,
    readonly keeperRegistry: Address | undefined,
  ) {}

  /** The chain id behind `rpcUrl` (to find its deployment file). */
  static async chainIdOf(rpcUrl: string): Promise<number> {
    try {
      return await createPublicClient({ transport: http(rpcUrl, { retryCount: 2 }) }).getChainId();
    } catch (cause) {
      throw new ChainUnavailableError(`cannot reach ${rpcUrl}`, { cause });
    }
  }

  /** Connects and reads the chain id once (it scopes every signature the gateway accepts). */
  static async connect(parameters: {
    rpcUrl: string;
    datanetRegistry: Address;
    keeperRegistry?: Address | undefined;
  }): Promise<ViemAccessChecker> {
    const client = createPublicClient({ transport: http(parameters.rpcUrl, { retryCount: 2 }) });
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
    return new ViemAccessChecker(client, chainId, getAddress(parameters.datanetRegistry), keeperRegistry);
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
      throw unavailable(error);
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
      throw unavailable(error);
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
      throw unavailable(error);
    }
  }
}

function unavailable(cause: unknown): ChainUnavailableError {
  return new ChainUnavailableError(
    `DatanetRegistry call failed: ${(cause as Error).message?.split("\n")[0]}`,
    {
      cause,
    },
  );
}
