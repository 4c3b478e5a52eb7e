import type { Address } from "viem";
import type { ContractRevertedErrorType } from "../../errors/contract.js";
import { reportCourtAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  eventsOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type ExecuteDisputeParameters = { contracts: ContractsOf<"ReportCourt">; requestId: bigint };
export type ExecuteDisputeReturnType = WriteReturnType & {
  /** Upheld: the report was voided and the request reopened in its next round. */
  upheld: boolean;
  /** OPEN slashed from the report's signers in total (zero unless upheld). */
  slashed: bigint;
  /** The bond of a rejected dispute, split between the report's executor and the treasury; absent otherwise. */
  forfeited?: { executor: Address; executorAmount: bigint; treasuryAmount: bigint } | undefined;
};
export type ExecuteDisputeErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Executes a request's dispute once it is executable (`getDispute(...).statusName`): an upheld
 * ruling voids the report, slashes its signers and returns the bond; a rejected one lets the
 * report be finalized at once and forfeits the bond; an unruled dispute past `resolveBy` leaves
 * the report standing and returns the bond. Callable by anyone; `CourtNotExecutable` before then.
 *
 * @example
 * const { upheld, slashed } = await executeDispute(wallet, { contracts, requestId })
 */
export async function executeDispute(
  client: WalletClientWithAccount,
  { contracts, requestId }: ExecuteDisputeParameters,
): Promise<ExecuteDisputeReturnType> {
  const address = contracts.ReportCourt;
  const result = await writeAndWait(client, {
    address,
    abi: reportCourtAbi,
    functionName: "execute",
    args: [requestId],
  });
  const { args } = eventOf(result.receipt, reportCourtAbi, "DisputeExecuted", address);
  const [forfeited] = eventsOf(result.receipt, reportCourtAbi, "BondForfeited", address);
  return {
    ...result,
    upheld: args.upheld,
    slashed: args.slashed,
    forfeited: forfeited && {
      executor: forfeited.args.executor,
      executorAmount: forfeited.args.executorAmount,
      treasuryAmount: forfeited.args.treasuryAmount,
    },
  };
}
