import type { Address } from "viem";
import type { ContractRevertedErrorType } from "../../errors/contract.js";
import { reportCourtAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RuleDisputeParameters = {
  contracts: ContractsOf<"ReportCourt">;
  requestId: bigint;
  /** Whether the disputed report is wrong. */
  upheld: boolean;
};
export type RuleDisputeReturnType = WriteReturnType & {
  upheld: boolean;
  /** Who ruled: the guardian or the owner (governance). */
  by: Address;
  /** When `executeDispute` can run: after the appeal window for the guardian, at once for governance. */
  executableAt: bigint;
};
export type RuleDisputeErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Rules on the open dispute of a request, as the court's guardian (once, before `resolveBy`;
 * executable after the appeal window) or its owner (governance: before `resolveBy`, or
 * overriding a guardian ruling that still waits; executable at once). Anyone else gets
 * `CourtCallerNotJudge`.
 *
 * @example
 * const { executableAt } = await ruleDispute(guardianWallet, { contracts, requestId, upheld: true })
 */
export async function ruleDispute(
  client: WalletClientWithAccount,
  { contracts, requestId, upheld }: RuleDisputeParameters,
): Promise<RuleDisputeReturnType> {
  const address = contracts.ReportCourt;
  const result = await writeAndWait(client, {
    address,
    abi: reportCourtAbi,
    functionName: "rule",
    args: [requestId, upheld],
  });
  const { args } = eventOf(result.receipt, reportCourtAbi, "DisputeRuled", address);
  return { ...result, upheld: args.upheld, by: args.by, executableAt: BigInt(args.executableAt) };
}
