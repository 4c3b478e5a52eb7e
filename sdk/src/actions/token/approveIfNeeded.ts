import type { Address } from "viem";
import { readContract } from "viem/actions";
import { openTokenAbi } from "../../generated/abis.js";
import {
  type WalletClientWithAccount,
  type WriteErrorType,
  type WriteReturnType,
  writeAndWait,
} from "../internal/write.js";

export type ApproveIfNeededParameters = { token: Address; spender: Address; amount: bigint };
export type ApproveIfNeededReturnType = WriteReturnType | undefined;

export type ApproveIfNeededErrorType = WriteErrorType;

/**
 * Approves `spender` to pull `amount` OPEN unless the allowance already covers it.
 * Returns the approval transaction, or `undefined` when none was needed.
 *
 * @example
 * await approveIfNeeded(wallet, { token: contracts.OpenToken, spender: contracts.DatanetRegistry, amount: bond })
 */
export async function approveIfNeeded(
  client: WalletClientWithAccount,
  { token, spender, amount }: ApproveIfNeededParameters,
): Promise<ApproveIfNeededReturnType> {
  if (amount === 0n) return undefined;
  const allowance = await readContract(client, {
    address: token,
    abi: openTokenAbi,
    functionName: "allowance",
    args: [client.account.address, spender],
  });
  if (allowance >= amount) return undefined;
  return writeAndWait(client, {
    address: token,
    abi: openTokenAbi,
    functionName: "approve",
    args: [spender, amount],
  });
}
