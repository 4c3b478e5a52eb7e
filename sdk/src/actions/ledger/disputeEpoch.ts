import { readContract } from "viem/actions";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";
import type { ContractsOf } from "../internal/types.js";
import {
  eventOf,
  type TransactionRevertedError,
  type WalletClientWithAccount,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";
import { approveIfNeeded } from "../token/approveIfNeeded.js";

export type DisputeEpochParameters = {
  contracts: ContractsOf<"UsageLedger" | "OpenToken">;
  /** The pending epoch, inside its challenge window. */
  epoch: bigint;
  /** Where the evidence is: the published tree and the calls it disagrees with. */
  evidenceURI: string;
};
export type DisputeEpochReturnType = WriteReturnType & { bond: bigint };
export type DisputeEpochErrorType = ContractRevertedErrorType | TransactionRevertedError;

/**
 * Disputes an epoch's root on the UsageLedger: approves the bond (`parameters().disputeBond`)
 * when the allowance is short, then posts it. Claims keep the previous root and the signers'
 * stakes are frozen until the guardian or governance rules (`ruleEpochDispute`) and anyone
 * executes the ruling (`executeEpochDispute`).
 *
 * @example
 * const { bond } = await disputeEpoch(wallet, { contracts, epoch: 7n, evidenceURI: "blob:evidence" })
 */
export async function disputeEpoch(
  client: WalletClientWithAccount,
  { contracts, epoch, evidenceURI }: DisputeEpochParameters,
): Promise<DisputeEpochReturnType> {
  const address = contracts.UsageLedger;
  let bond: bigint;
  try {
    ({ disputeBond: bond } = await readContract(client, {
      address,
      abi: usageLedgerAbi,
      functionName: "parameters",
    }));
  } catch (error) {
    throw toContractError(error, protocolErrorsAbi);
  }
  await approveIfNeeded(client, { token: contracts.OpenToken, spender: address, amount: bond });
  const result = await writeAndWait(client, {
    address,
    abi: usageLedgerAbi,
    functionName: "dispute",
    args: [epoch, evidenceURI],
  });
  return { ...result, bond: eventOf(result.receipt, usageLedgerAbi, "EpochDisputed", address).args.bond };
}
