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

export type ExecuteEpochDisputeParameters = { contracts: ContractsOf<"UsageLedger">; epoch: bigint };
export type ExecuteEpochDisputeReturnType = WriteReturnType & {
  /** The epoch was voided (it never pays) and its signers slashed. */
  upheld: boolean;
  /** OPEN slashed from the signers in total. */
  slashed: bigint;
};
export type ExecuteEpochDisputeErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Executes an epoch dispute's ruling, or its timeout (the root stands, the bond returns). After
 * an upheld one, the next report must carry the voided epoch's calls (`aggregateEpoch`'s
 * `carriedCalls`): their vouchers stay spent.
 *
 * @example
 * const { upheld, slashed } = await executeEpochDispute(wallet, { contracts, epoch: 7n })
 */
export async function executeEpochDispute(
  client: WalletClientWithAccount,
  { contracts, epoch }: ExecuteEpochDisputeParameters,
): Promise<ExecuteEpochDisputeReturnType> {
  const address = contracts.UsageLedger;
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "execute",
    args: [epoch],
  });
  const { args } = eventOf(result.receipt, usageLedgerAbi, "EpochDisputeExecuted", address);
  return { ...result, upheld: args.upheld, slashed: args.slashed };
}
