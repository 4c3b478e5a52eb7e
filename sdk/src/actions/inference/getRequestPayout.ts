import { type Address, type Chain, type Client, type Hex, type Transport, zeroHash } from "viem";
import { getBlockNumber, getContractEvents, readContract } from "viem/actions";
import { BaseError } from "../../errors/base.js";
import { ContractRevertedError, toContractError } from "../../errors/contract.js";
import { datanetRegistryAbi, inferenceMarketAbi, modelRegistryAbi } from "../../generated/abis.js";
import { type FeeSplit, splitFee } from "../../utils/feeSplit.js";
import type { ContractsOf } from "../internal/types.js";
import type { ReadErrorType } from "../internal/write.js";
import { type GetRequestReturnType, getRequest, type RequestStatus } from "./getRequest.js";

export type GetRequestPayoutParameters = {
  contracts: ContractsOf<"InferenceMarket" | "ModelRegistry" | "DatanetRegistry">;
  requestId: bigint;
  /** Block to search events from; the request's block when known saves RPC work. Default: 0. */
  fromBlock?: bigint | undefined;
};

export type RequestPayout = {
  requestId: bigint;
  modelId: bigint;
  requester: Address;
  fee: bigint;
  status: RequestStatus;
  /** The accepted report, once there is one (status `reported`, `disputed` or `finalized`). */
  report:
    | {
        digest: Hex;
        outputHash: Hex;
        outputURI: string;
        executor: Address;
        /** The request's round the report answered (0 unless an earlier report was voided). */
        round: number;
        attributionVersion: number;
        signers: readonly Address[];
        challengeEndsAt: bigint;
        blockNumber: bigint;
      }
    | undefined;
  /**
   * Set when the accepted report declines the request (zero `outputHash`): the keepers found it
   * unanswerable, `reason` is what they said, and finalizing refunds the whole fee to the requester.
   */
  declined: { reason: string } | undefined;
  /**
   * The report's attributions with the payee each contribution had when the report was accepted,
   * and the contribution's datanet.
   */
  attributions: { contributionId: bigint; weightBps: number; payee: Address; datanetId: bigint }[];
  /**
   * The fee split: `credited` once finalized (the amounts the market credited, from its events),
   * `estimated` while reported or disputed (computed as the market will, with the request's fee
   * split and today's treasury, revenue shares and datanet owners, which governance and owners may
   * still change before `finalize`).
   * Undefined while open or once refunded.
   */
  split: (FeeSplit & { settlement: "credited" | "estimated"; blockNumber: bigint }) | undefined;
};
export type GetRequestPayoutReturnType = RequestPayout;
export type GetRequestPayoutErrorType = RequestNotFoundError | ReadErrorType;

export class RequestNotFoundError extends BaseError {
  override name = "RequestNotFoundError";
}

/**
 * Who a request pays: its accepted report's attributions with the contributors' payees and
 * weights, and the split of its fee in OPEN wei among the treasury, the executor keeper, the model
 * owner(s), each attributed contributor and the datanet owners (the unattributed data share),
 * computed exactly as `InferenceMarket` does and, after `finalize`, read from what it credited.
 *
 * @example
 * const { attributions, split } = await getRequestPayout(client, { contracts, requestId })
 * for (const c of split?.contributors ?? []) console.log(c.payee, formatEther(c.amount))
 */
export async function getRequestPayout(
  client: Client<Transport, Chain | undefined>,
  { contracts, requestId, fromBlock = 0n }: GetRequestPayoutParameters,
): Promise<GetRequestPayoutReturnType> {
  const market = contracts.InferenceMarket;
  const request = await getRequest(client, { contracts, requestId }).catch((error: unknown) => {
    const decoded = toContractError(error, inferenceMarketAbi);
    if (decoded instanceof ContractRevertedError && decoded.errorName === "MarketUnknownRequest") {
      throw new RequestNotFoundError(`Request ${requestId} does not exist.`, { cause: decoded });
    }
    throw decoded;
  });
  const payout: RequestPayout = {
    requestId,
    modelId: request.modelId,
    requester: request.requester,
    fee: request.fee,
    status: request.statusName,
    report: undefined,
    declined: undefined,
    attributions: [],
    split: undefined,
  };
  const reported = ["reported", "disputed", "finalized"].includes(request.statusName);
  // A declined request keeps its report once refunded.
  if (!reported && !(request.declined && request.reportDigest !== zeroHash)) return payout;

  const [submitted, recorded] = await Promise.all([
    getContractEvents(client, {
      address: market,
      abi: inferenceMarketAbi,
      eventName: "ReportSubmitted",
      args: { requestId, digest: request.reportDigest },
      fromBlock,
      strict: true,
    }),
    readContract(client, {
      address: market,
      abi: inferenceMarketAbi,
      functionName: "reportAttributions",
      args: [requestId],
    }),
  ]);
  const event = submitted.at(-1);
  if (event === undefined) {
    throw new BaseError(`No ReportSubmitted event for request ${requestId} from block ${fromBlock}.`, {
      metaMessages: [`Digest: ${request.reportDigest}`],
    });
  }
  payout.report = {
    digest: event.args.digest,
    outputHash: event.args.report.outputHash,
    outputURI: event.args.report.outputURI,
    executor: event.args.executor,
    round: Number(event.args.report.round),
    attributionVersion: Number(event.args.report.attributionVersion),
    signers: event.args.signers,
    challengeEndsAt: BigInt(event.args.challengeEndsAt),
    blockNumber: event.blockNumber,
  };
  if (request.declined) {
    payout.declined = { reason: event.args.report.outputURI.replace(/^unanswerable:/, "") };
    return payout;
  }
  // A contribution never changes datanet; the market pays the unattributed share by these.
  const datanetIds = await Promise.all(
    recorded.map(async (a) => {
      const [datanetId] = await readContract(client, {
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "contributionPayout",
        args: [a.contributionId],
      });
      return datanetId;
    }),
  );
  payout.attributions = recorded.map((a, i) => ({
    contributionId: a.contributionId,
    weightBps: Number(a.weightBps),
    payee: a.payee,
    datanetId: datanetIds[i] as bigint,
  }));
  if (request.statusName === "finalized") {
    payout.split = await creditedSplit(client, contracts, payout, request, event.blockNumber);
  } else {
    const blockNumber = await getBlockNumber(client, { cacheTime: 0 });
    const split = await estimatedSplit(client, contracts, payout, request, request.executor, blockNumber);
    payout.split = { ...split, settlement: "estimated", blockNumber };
  }
  return payout;
}

type Contracts = GetRequestPayoutParameters["contracts"];
/** The split in force when the request was made; `finalize` applies it. */
type FeeBps = Pick<GetRequestReturnType, "protocolFeeBps" | "executorFeeBps" | "modelFeeBps">;

/** The split `finalize` would make with the state at `blockNumber`. */
async function estimatedSplit(
  client: Client<Transport, Chain | undefined>,
  contracts: Contracts,
  payout: RequestPayout,
  feeBps: FeeBps,
  executor: Address,
  blockNumber: bigint,
): Promise<FeeSplit> {
  const at = { blockNumber };
  const datanetIds = [...new Set(payout.attributions.map((a) => a.datanetId))];
  const [treasury, shares] = await Promise.all([
    readContract(client, {
      address: contracts.InferenceMarket,
      abi: inferenceMarketAbi,
      functionName: "treasury",
      ...at,
    }),
    // The market pays the model share to the treasury when this read fails; so do we.
    readContract(client, {
      address: contracts.ModelRegistry,
      abi: modelRegistryAbi,
      functionName: "revenueShares",
      args: [payout.modelId],
      ...at,
    }).catch(() => [[], []] as const),
  ]);
  const owners = await Promise.all(
    datanetIds.map((datanetId) =>
      readContract(client, {
        address: contracts.DatanetRegistry,
        abi: datanetRegistryAbi,
        functionName: "datanetOwner",
        args: [datanetId],
        ...at,
      }).catch(() => "0x0000000000000000000000000000000000000000" as Address),
    ),
  );
  const [accounts, weights] = shares;
  return splitFee({
    fee: payout.fee,
    protocolFeeBps: feeBps.protocolFeeBps,
    executorFeeBps: feeBps.executorFeeBps,
    modelFeeBps: feeBps.modelFeeBps,
    executor,
    treasury,
    modelRecipients:
      accounts.length === weights.length
        ? accounts.map((account, i) => ({ account, weightBps: weights[i] as bigint }))
        : [],
    attributions: payout.attributions,
    datanets: datanetIds.map((datanetId, i) => ({ datanetId, owner: owners[i] as Address })),
  });
}

/** The split as `finalize` credited it, from the events of its transaction. */
async function creditedSplit(
  client: Client<Transport, Chain | undefined>,
  contracts: Contracts,
  payout: RequestPayout,
  feeBps: FeeBps,
  fromBlock: bigint,
): Promise<FeeSplit & { settlement: "credited"; blockNumber: bigint }> {
  const address = contracts.InferenceMarket;
  const args = { requestId: payout.requestId };
  const [finalized] = await getContractEvents(client, {
    address,
    abi: inferenceMarketAbi,
    eventName: "RequestFinalized",
    args,
    fromBlock,
    strict: true,
  });
  if (finalized === undefined) {
    throw new BaseError(
      `Request ${payout.requestId} is finalized but its RequestFinalized event was not found.`,
    );
  }
  const at = { blockHash: finalized.blockHash };
  const inFinalize = <T extends { transactionHash: Hex }>(logs: T[]) =>
    logs.filter((log) => log.transactionHash === finalized.transactionHash);
  const [contributors, modelOwners, datanetOwners, computed] = await Promise.all([
    getContractEvents(client, {
      address,
      abi: inferenceMarketAbi,
      eventName: "AttributionPaid",
      args,
      ...at,
      strict: true,
    }),
    getContractEvents(client, {
      address,
      abi: inferenceMarketAbi,
      eventName: "ModelRevenuePaid",
      args,
      ...at,
      strict: true,
    }),
    getContractEvents(client, {
      address,
      abi: inferenceMarketAbi,
      eventName: "DatanetRemainderPaid",
      args,
      ...at,
      strict: true,
    }),
    // Treasury and revenue weights as the finalize block left them.
    estimatedSplit(client, contracts, payout, feeBps, finalized.args.executor, finalized.blockNumber),
  ]);
  const { fee, treasuryAmount, executorAmount, modelAmount, attributedAmount, unattributedAmount } =
    finalized.args;
  const weightOf = new Map(payout.attributions.map((a) => [a.contributionId, a.weightBps]));
  const modelPaid = inFinalize(modelOwners);
  return {
    settlement: "credited",
    blockNumber: finalized.blockNumber,
    fee,
    treasury: { account: computed.treasury.account, amount: treasuryAmount },
    executor: { account: finalized.args.executor, amount: executorAmount },
    modelOwners: modelPaid.map((e, i) => ({
      account: e.args.recipient,
      weightBps:
        computed.modelOwners[i]?.account === e.args.recipient
          ? (computed.modelOwners[i]?.weightBps ?? 0n)
          : 0n,
      amount: e.args.amount,
    })),
    contributors: inFinalize(contributors).map((e) => ({
      contributionId: e.args.contributionId,
      payee: e.args.payee,
      weightBps: weightOf.get(e.args.contributionId) ?? 0,
      amount: e.args.amount,
    })),
    datanetOwners: inFinalize(datanetOwners).map((e) => ({
      datanetId: e.args.datanetId,
      owner: e.args.owner,
      amount: e.args.amount,
    })),
    totals: {
      treasury: treasuryAmount,
      executor: executorAmount,
      model: modelAmount,
      dataShare: computed.totals.dataShare,
      attributed: attributedAmount,
      unattributed: unattributedAmount,
    },
  };
}
