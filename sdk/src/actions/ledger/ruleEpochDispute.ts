import type { ContractRevertedErrorType } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type RuleEpochDisputeParameters = {
  contracts: ContractsOf<"UsageLedger">;
  epoch: bigint;
  /** Whether the root is wrong. */
  upheld: boolean;
};
export type RuleEpochDisputeReturnType = WriteReturnType & { executableAt: bigint };
export type RuleEpochDisputeErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Rules an epoch dispute: the ledger's guardian (executable after the appeal window) or
 * governance (executable at once, and able to override the guardian while its ruling waits).
 *
 * @example
 * const { executableAt } = await ruleEpochDispute(guardian, { contracts, epoch: 7n, upheld: true })
 */
export async function ruleEpochDispute(
  client: WalletClientWithAccount,
  { contracts, epoch, upheld }: RuleEpochDisputeParameters,
): Promise<RuleEpochDisputeReturnType> {
  const address = contracts.UsageLedger;
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "rule",
    args: [epoch, upheld],
  });
  const { args } = eventOf(result.receipt, usageLedgerAbi, "EpochRuled", address);
  return { ...result, executableAt: BigInt(args.executableAt) };
}
