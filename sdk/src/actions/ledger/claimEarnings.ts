import type { Address, Hex } from "viem";
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

export type ClaimEarningsParameters = {
  contracts: ContractsOf<"UsageLedger">;
  /** The earner; the payment always goes to it, whoever sends the transaction. */
  account: Address;
  /** Its cumulative earnings in the claimable root (`EpochTree.cumulativeOf`). */
  cumulative: bigint;
  /** The Merkle proof of `(account, cumulative)` (`EpochTree.proof`). */
  proof: readonly Hex[];
};
export type ClaimEarningsReturnType = WriteReturnType & {
  /** OPEN wei paid: the cumulative earnings less what was already claimed. */
  amount: bigint;
  /** The epoch whose root the claim proved against. */
  epoch: bigint;
};
export type ClaimEarningsErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Claims an account's metered earnings against the ledger's latest claimable root: one claim
 * pays everything earned in every epoch so far.
 *
 * @example
 * const tree = loadEpochTree(json)
 * await claimEarnings(wallet, { contracts, account, cumulative: tree.cumulativeOf(account), proof: tree.proof(account) })
 */
export async function claimEarnings(
  client: WalletClientWithAccount,
  { contracts, account, cumulative, proof }: ClaimEarningsParameters,
): Promise<ClaimEarningsReturnType> {
  const address = contracts.UsageLedger;
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "claim",
    args: [account, cumulative, proof],
  });
  const { args } = eventOf(result.receipt, usageLedgerAbi, "Claimed", address);
  return { ...result, amount: args.amount, epoch: BigInt(args.epoch) };
}
