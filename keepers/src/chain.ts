import {
  type AttributionReport,
  BaseError,
  ContractRevertedError,
  type Deployment,
  type GetRequestReturnType,
  type GetScheduledExecutorReturnType,
  getRequest,
  getScheduledExecutor,
  inferenceMarketAbi,
  keeperRegistryAbi,
  modelRegistryAbi,
  protocolErrorsAbi,
  reportCourtAbi,
  toContractError,
} from "@payable-ai/sdk";
import type { Logger } from "pino";
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from "viem";
import { AcceptedContributionSet, type AcceptedSnapshot } from "./acceptedSet.js";
import type { KeeperMetrics } from "./metrics.js";
import { type ContractCall, type GasPolicy, sendContractTransaction } from "./transactions.js";

export type KeeperContracts = Pick<
  Deployment["contracts"],
  "InferenceMarket" | "KeeperRegistry" | "ModelRegistry" | "DatanetRegistry"
> & {
  /** Where equivocations outside a challenge are proven; absent on deployments without a court. */
  ReportCourt?: Address;
  /** Metered billing; absent on deployments without a ledger. */
  UsageLedger?: Address;
};

export type RequestEvent = {
  requestId: bigint;
  requester: Address;
  modelId: bigint;
  inputHash: Hex;
  inputURI: string;
  fee: bigint;
  deadline: bigint;
  blockNumber: bigint;
  blockHash: Hex;
};

export type ModelInfo = {
  modelId: bigint;
  adapterHash: Hex;
  manifestRoot: Hex;
  metadataURI: string;
  isComposite: boolean;
  datanetIds: bigint[];
};

export type ContributionInfo = { contributionId: bigint; datanetId: bigint; contentHash: Hex; uri: string };

export class TransactionNotConfirmedError extends BaseError {
  override name = "TransactionNotConfirmedError";
}

/**
 * The keeper's view of the protocol: typed reads (pinned to a block where determinism needs
 * it) and the three writes a keeper makes. Writes go through {@link sendContractTransaction}
 * (simulated first, gas with headroom, resent when out of gas), then are confirmed: the
 * receipt's block must still be canonical `confirmations` blocks later.
 */
export class KeeperChain {
  constructor(
    readonly publicClient: PublicClient<Transport, Chain | undefined>,
    readonly wallet: WalletClient<Transport, Chain | undefined, Account>,
    readonly contracts: KeeperContracts,
    readonly chainId: number,
    readonly confirmations: number,
    readonly options: { gas?: GasPolicy; metrics?: KeeperMetrics; logger?: Logger } = {},
  ) {}

  get address(): Address {
    return this.wallet.account.address;
  }

  async latestBlock(): Promise<{ number: bigint; timestamp: bigint }> {
    const block = await this.publicClient.getBlock({ blockTag: "latest" });
    return { number: block.number as bigint, timestamp: block.timestamp };
  }

  async blockHash(blockNumber: bigint): Promise<Hex | undefined> {
    try {
      return (await this.publicClient.getBlock({ blockNumber })).hash ?? undefined;
    } catch {
      return undefined;
    }
  }

  async blockTimestamp(blockNumber: bigint): Promise<bigint> {
    return (await this.publicClient.getBlock({ blockNumber })).timestamp;
  }

  async isActive(keeper: Address): Promise<boolean> {
    return this.publicClient.readContract({
      address: this.contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "isActive",
      args: [keeper],
    });
  }

  /** A keeper's stake and when its unbonding ends (0 when it has not asked to unbond). */
  async keeperInfo(keeper: Address): Promise<{ stake: bigint; unbondingEndsAt: bigint }> {
    const [stake, unbondingEndsAt] = await this.publicClient.readContract({
      address: this.contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "keeperInfo",
      args: [keeper],
    });
    return { stake, unbondingEndsAt: BigInt(unbondingEndsAt) };
  }

  /** What a report's signers must reach: `quorum` signatures holding `stake` of the bonded stake. */
  async signingQuorum(): Promise<{ quorum: number; stake: bigint }> {
    const [quorum, stake] = await Promise.all([
      this.quorum(),
      this.publicClient.readContract({
        address: this.contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "quorumStake",
      }),
    ]);
    return { quorum, stake };
  }

  /** A keeper's stake if it is active, else 0: what its signature adds to a report. */
  async activeStakeOf(keeper: Address): Promise<bigint> {
    return this.publicClient.readContract({
      address: this.contracts.KeeperRegistry,
      abi: keeperRegistryAbi,
      functionName: "activeStakeOf",
      args: [keeper],
    });
  }

  /** The keeper the market accepts as executor of `requestId` now, and when the turn passes on. */
  async scheduledExecutor(requestId: bigint): Promise<GetScheduledExecutorReturnType> {
    return getScheduledExecutor(this.publicClient, { contracts: this.contracts, requestId });
  }

  async quorum(): Promise<number> {
    return Number(
      await this.publicClient.readContract({
        address: this.contracts.KeeperRegistry,
        abi: keeperRegistryAbi,
        functionName: "quorum",
      }),
    );
  }

  /** A request's escrow and settlement state, its status named as in the SDK (`statusName`). */
  async getRequest(requestId: bigint): Promise<GetRequestReturnType> {
    return getRequest(this.publicClient, { contracts: this.contracts, requestId });
  }

  async reportSigners(requestId: bigint): Promise<readonly Address[]> {
    return this.publicClient.readContract({
      address: this.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "reportSigners",
      args: [requestId],
    });
  }

  async maxAttributions(blockNumber: bigint): Promise<number> {
    const parameters = await this.publicClient.readContract({
      address: this.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "parameters",
      blockNumber,
    });
    return Number(parameters.maxAttributions);
  }

  async getModel(modelId: bigint, blockNumber: bigint): Promise<ModelInfo> {
    const [model, datanetIds] = await Promise.all([
      this.publicClient.readContract({
        address: this.contracts.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "getModel",
        args: [modelId],
        blockNumber,
      }),
      this.publicClient.readContract({
        address: this.contracts.ModelRegistry,
        abi: modelRegistryAbi,
        functionName: "datanetIds",
        args: [modelId],
        blockNumber,
      }),
    ]);
    return {
      modelId,
      adapterHash: model.adapterHash,
      manifestRoot: model.manifestRoot,
      metadataURI: model.metadataURI,
      isComposite: model.isComposite,
      datanetIds: [...datanetIds],
    };
  }

  #acceptedSet: AcceptedContributionSet | undefined;

  /**
   * Accepted contributions of `datanetIds` as of `blockNumber` (the request's block), ascending
   * by id: every keeper sees the same set however late it looks. Kept from the registry's events
   * and checked against the chain at that block, so a request costs a few reads, not one per
   * contribution ever made.
   */
  async acceptedContributionSet(
    datanetIds: readonly bigint[],
    blockNumber: bigint,
  ): Promise<AcceptedSnapshot> {
    this.#acceptedSet ??= new AcceptedContributionSet(this.publicClient, this.contracts.DatanetRegistry);
    return this.#acceptedSet.at(datanetIds, blockNumber);
  }

  async acceptedContributions(
    datanetIds: readonly bigint[],
    blockNumber: bigint,
  ): Promise<ContributionInfo[]> {
    return [...(await this.acceptedContributionSet(datanetIds, blockNumber)).contributions()];
  }

  async requestEvents(fromBlock: bigint, toBlock: bigint): Promise<RequestEvent[]> {
    const logs = await this.publicClient.getContractEvents({
      address: this.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      eventName: "InferenceRequested",
      fromBlock,
      toBlock,
    });
    return logs.map(requestEventOfLog);
  }

  /** The InferenceRequested event of one request (its block fixes the attribution context). */
  async requestEvent(requestId: bigint, fromBlock: bigint): Promise<RequestEvent | undefined> {
    const logs = await this.publicClient.getContractEvents({
      address: this.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      eventName: "InferenceRequested",
      args: { requestId },
      fromBlock,
      toBlock: "latest",
    });
    const log = logs[0];
    return log === undefined ? undefined : requestEventOfLog(log);
  }

  /** The report accepted on-chain under `digest` for a request, from its ReportSubmitted event. */
  async submittedReport(
    requestId: bigint,
    digest: Hex,
    fromBlock: bigint,
  ): Promise<AttributionReport | undefined> {
    const logs = await this.publicClient.getContractEvents({
      address: this.contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      eventName: "ReportSubmitted",
      args: { requestId, digest },
      fromBlock,
      toBlock: "latest",
      strict: true,
    });
    const report = logs.at(-1)?.args.report;
    return report === undefined ? undefined : { ...report, attributions: [...report.attributions] };
  }

  /** Whether a transaction of this keeper is sent but not yet mined. */
  async hasPendingTransactions(): Promise<boolean> {
    const [pending, mined] = await Promise.all([
      this.publicClient.getTransactionCount({ address: this.address, blockTag: "pending" }),
      this.publicClient.getTransactionCount({ address: this.address, blockTag: "latest" }),
    ]);
    return pending > mined;
  }

  async submitReport(report: AttributionReport, signatures: Hex[], onSent?: (hash: Hex) => Promise<void>) {
    return this.#write("submitReport", [report, signatures], onSent);
  }

  /**
   * Gas `finalize` would use for each id alone (undefined where it would revert: already settled,
   * window open). Settling one request costs from ~60k to several million gas with many payees.
   */
  async finalizeGas(requestIds: readonly bigint[]): Promise<(bigint | undefined)[]> {
    return Promise.all(
      requestIds.map((id) =>
        this.publicClient
          .estimateContractGas({
            address: this.contracts.InferenceMarket,
            abi: inferenceMarketAbi,
            functionName: "finalize",
            args: [[id]],
            account: this.wallet.account,
          })
          .catch(() => undefined),
      ),
    );
  }

  /** Finalizes what it can of `requestIds` (the market skips ids it cannot settle); returns the ids settled. */
  async finalize(requestIds: readonly bigint[]): Promise<bigint[]> {
    const { receipt } = await this.#write("finalize", [requestIds]);
    const settled = parseEventLogs({
      abi: inferenceMarketAbi,
      logs: receipt.logs,
      eventName: "RequestFinalized",
    });
    return settled.map((event) => event.args.requestId);
  }

  async challenge(requestId: bigint, report: AttributionReport, signatures: Hex[]) {
    const { receipt } = await this.#write("challenge", [requestId, report, signatures]);
    const [event] = parseEventLogs({
      abi: inferenceMarketAbi,
      logs: receipt.logs,
      eventName: "ReportChallenged",
    });
    return { receipt, slashed: (event?.args.slashedKeepers ?? []) as readonly Address[] };
  }

  /**
   * Proves at the report court that one keeper signed two different reports of one request and
   * round; returns the stake slashed (0 when that equivocation was already slashed).
   */
  async proveEquivocation(
    a: { report: AttributionReport; signature: Hex },
    b: { report: AttributionReport; signature: Hex },
  ): Promise<bigint> {
    const court = this.contracts.ReportCourt;
    if (court === undefined) throw new Error("this deployment has no report court");
    const { receipt } = await this.#send({
      address: court,
      abi: reportCourtAbi,
      functionName: "proveEquivocation",
      args: [a.report, a.signature, b.report, b.signature],
    });
    const [event] = parseEventLogs({
      abi: reportCourtAbi,
      logs: receipt.logs,
      eventName: "EquivocationProven",
    });
    return event?.args.slashed ?? 0n;
  }

  /** Waits until `hash` has `confirmations` blocks on top and its block is still canonical. */
  async confirm(hash: Hex) {
    const receipt = await this.#landed(hash);
    if (receipt.status !== "success") {
      throw new TransactionNotConfirmedError(`transaction ${hash} reverted in block ${receipt.blockNumber}`);
    }
    return receipt;
  }

  /** The receipt of `hash` once `confirmations` blocks are on top and its block is still canonical. */
  async #landed(hash: Hex) {
    const receipt = await this.publicClient.waitForTransactionReceipt({
      hash,
      confirmations: Math.max(1, this.confirmations + 1),
      pollingInterval: 250,
      timeout: 120_000,
    });
    const canonical = await this.blockHash(receipt.blockNumber);
    if (canonical !== receipt.blockHash) {
      throw new TransactionNotConfirmedError(
        `transaction ${hash} was reorganised out of block ${receipt.blockNumber}`,
      );
    }
    return receipt;
  }

  async #write(
    functionName: "submitReport" | "finalize" | "challenge",
    args: readonly unknown[],
    onSent?: (hash: Hex) => Promise<void>,
  ) {
    return this.#send(
      { address: this.contracts.InferenceMarket, abi: inferenceMarketAbi, functionName, args },
      onSent,
    );
  }

  /** Sends one of this keeper's transactions with its gas policy, waiting for the confirmed receipt. */
  async #send(call: ContractCall, onSent?: (hash: Hex) => Promise<void>) {
    return sendContractTransaction({
      publicClient: this.publicClient,
      wallet: this.wallet,
      call,
      policy: this.options.gas,
      receipt: (hash) => this.#landed(hash),
      onSent,
      metrics: this.options.metrics,
      logger: this.options.logger,
    });
  }
}

/** The protocol's custom error a call or transaction reverted with, decoded by the SDK; undefined for other errors. */
export function revertName(error: unknown): string | undefined {
  const decoded = toContractError(error, protocolErrorsAbi);
  return decoded instanceof ContractRevertedError ? decoded.errorName : undefined;
}

/** A request's fields as its `InferenceRequested` log states them. */
function requestEventOfLog(log: {
  args: {
    requestId?: bigint;
    requester?: Address;
    modelId?: bigint;
    inputHash?: Hex;
    inputURI?: string;
    fee?: bigint;
    deadline?: bigint | number;
  };
  blockNumber: bigint | null;
  blockHash: Hex | null;
}): RequestEvent {
  return {
    requestId: log.args.requestId as bigint,
    requester: log.args.requester as Address,
    modelId: log.args.modelId as bigint,
    inputHash: log.args.inputHash as Hex,
    inputURI: log.args.inputURI as string,
    fee: log.args.fee as bigint,
    deadline: BigInt(log.args.deadline as bigint | number),
    blockNumber: log.blockNumber as bigint,
    blockHash: log.blockHash as Hex,
  };
}
