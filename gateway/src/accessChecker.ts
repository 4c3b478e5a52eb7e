import { BaseError } from "@payable-ai/sdk";
import type { Address, Hex } from "viem";
import type { RpcHealth } from "./rpcHealth.js";

/** What the gateway needs to know about a contribution, as the DatanetRegistry stores it. */
export type ContributionRecord = {
  contributionId: bigint;
  datanetId: bigint;
  contributor: Address;
  /** sha256 of the file (`bytes32`). */
  contentHash: Hex;
  /** `IDatanetRegistry.ContributionStatus`: 1 pending, 2 accepted, 3 rejected, 4 withdrawn. */
  status: number;
  uri: string;
};

/**
 * The on-chain facts behind every download decision. {@link ViemAccessChecker}
 * reads them from the DatanetRegistry; the answers are never cached, so a
 * revocation takes effect on the next request.
 */
export interface AccessChecker {
  /** Chain and contract that scope `DataAccessRequest` signatures (the EIP-712 domain). */
  readonly chainId: number;
  readonly datanetRegistry: Address;
  /** `hasAccess(datanetId, account)`: owner, curator or granted reader. Throws {@link DatanetNotFoundError}. */
  hasAccess(datanetId: bigint, account: Address): Promise<boolean>;
  /** `getContribution(contributionId)`. Throws {@link ContributionNotFoundError}. */
  getContribution(contributionId: bigint): Promise<ContributionRecord>;
  /**
   * `KeeperRegistry.isActive(account)`; false when the gateway knows no
   * KeeperRegistry. Active keepers read every datanet: they recompute attribution
   * over the training contributions, and they are staked and slashable.
   */
  isActiveKeeper(account: Address): Promise<boolean>;
  /**
   * Whether `account` ever submitted a contribution to `datanetId` (it may then open
   * a session for its own contributions). Without it, such sessions are refused.
   */
  isContributor?(datanetId: bigint, account: Address): Promise<boolean>;
  /** Outcomes of the calls to the chain, for `/health` readiness. */
  readonly rpcHealth?: RpcHealth;
}

export class DatanetNotFoundError extends BaseError {
  override name = "DatanetNotFoundError";
  constructor(readonly datanetId: bigint) {
    super(`datanet ${datanetId} does not exist`);
  }
}

export class ContributionNotFoundError extends BaseError {
  override name = "ContributionNotFoundError";
  constructor(readonly contributionId: bigint) {
    super(`contribution ${contributionId} does not exist`);
  }
}

/** The chain could not be read (RPC down, timeout): the gateway answers 503 `rpc_unavailable`, the client may retry. */
export class ChainUnavailableError extends BaseError {
  override name = "ChainUnavailableError";
}
