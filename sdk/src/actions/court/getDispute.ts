import type { Chain, Client, ContractFunctionReturnType, Transport } from "viem";
import { getBlock, readContract } from "viem/actions";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { reportCourtAbi } from "../../generated/abis.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";
import type { ContractsOf } from "../internal/types.js";

/** `IReportCourt.Ruling`, by index. */
export const disputeRulings = ["none", "upheld", "rejected"] as const;
export type DisputeRuling = (typeof disputeRulings)[number];

/**
 * Where a request's latest dispute stands: `none` (never disputed), `open` (waiting for a
 * ruling), `ruled` (ruled, waiting for `executableAt`: the appeal window of a guardian ruling),
 * `executable` (anyone may `executeDispute`: ruled and past `executableAt`, or unruled past
 * `resolveBy`, a timeout) or `executed`.
 */
export const disputeStatuses = ["none", "open", "ruled", "executable", "executed"] as const;
export type DisputeStatus = (typeof disputeStatuses)[number];

export type Dispute = ContractFunctionReturnType<typeof reportCourtAbi, "view", "getDispute">;

/**
 * A dispute's status at `timestamp`, as `ReportCourt.execute` decides it: a ruling is
 * executable from `executableAt`, an unruled dispute from `resolveBy`.
 */
export function disputeStatusAt(
  dispute: Pick<Dispute, "openedAt" | "executed" | "ruling" | "resolveBy" | "executableAt">,
  timestamp: bigint,
): DisputeStatus {
  if (dispute.openedAt === 0n) return "none";
  if (dispute.executed) return "executed";
  if (dispute.ruling === 0) return timestamp >= dispute.resolveBy ? "executable" : "open";
  return timestamp >= dispute.executableAt ? "executable" : "ruled";
}

export type GetDisputeParameters = {
  contracts: ContractsOf<"ReportCourt">;
  requestId: bigint;
  /** Read as of this block (its timestamp decides the status); the latest by default. */
  blockNumber?: bigint | undefined;
};
export type GetDisputeReturnType = Dispute & {
  statusName: DisputeStatus;
  rulingName: DisputeRuling;
  /** The block time the status was computed at. */
  timestamp: bigint;
};
export type GetDisputeErrorType = ContractRevertedErrorType;

/**
 * The latest dispute of a request at the report court, with its ruling and status by name.
 * A request never disputed reads as all zero with `statusName` `none`.
 *
 * @example
 * const { statusName, executableAt } = await getDispute(client, { contracts, requestId })
 * if (statusName === "executable") await executeDispute(wallet, { contracts, requestId })
 */
export async function getDispute(
  client: Client<Transport, Chain | undefined>,
  { contracts, requestId, blockNumber }: GetDisputeParameters,
): Promise<GetDisputeReturnType> {
  // One block for both reads, so the status matches the struct.
  const block = await getBlock(client, blockNumber === undefined ? {} : { blockNumber });
  try {
    const dispute = await readContract(client, {
      address: contracts.ReportCourt,
      abi: reportCourtAbi,
      functionName: "getDispute",
      args: [requestId],
      blockNumber: block.number,
    });
    return {
      ...dispute,
      statusName: disputeStatusAt(dispute, block.timestamp),
      rulingName: disputeRulings[dispute.ruling] ?? "none",
      timestamp: block.timestamp,
    };
  } catch (error) {
    throw toContractError(error, protocolErrorsAbi);
  }
}
