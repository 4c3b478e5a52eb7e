import type { Address, Chain, Client, Transport } from "viem";
import { readContract } from "viem/actions";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";
import type { ContractsOf } from "../internal/types.js";

export type GetLedgerAccountParameters = {
  contracts: ContractsOf<"UsageLedger">;
  account: Address;
  /** Also read what the channel with this keeper has settled. */
  keeper?: Address | undefined;
};
export type GetLedgerAccountReturnType = {
  /** Deposited and not yet debited or withdrawn. */
  balance: bigint;
  /** What keepers may serve against: the balance less a requested withdrawal. */
  available: bigint;
  pendingWithdrawal: { amount: bigint; unlockAt: bigint };
  /** Earnings already claimed. */
  claimed: bigint;
  /** Cumulative spend settled on the channel with `keeper` (`0n` without one). */
  settledSpend: bigint;
};
export type GetLedgerAccountErrorType = ContractRevertedErrorType;

/**
 * An account's standing on the UsageLedger, read in one block: as a requester (balance,
 * available balance, pending withdrawal, a channel's settled spend) and as an earner (claimed).
 * A keeper serves a call when `available` covers the voucher's increase over `settledSpend`.
 *
 * @example
 * const { available, settledSpend } = await getLedgerAccount(client, { contracts, account, keeper })
 */
export async function getLedgerAccount(
  client: Client<Transport, Chain | undefined>,
  { contracts, account, keeper }: GetLedgerAccountParameters,
): Promise<GetLedgerAccountReturnType> {
  const address = contracts.UsageLedger;
  const blockNumber = await client.request({ method: "eth_blockNumber" }).then(BigInt);
  const call = { address, abi: usageLedgerAbi, blockNumber } as const;
  try {
    const [balance, available, [amount, unlockAt], claimed, settledSpend] = await Promise.all([
      readContract(client, { ...call, functionName: "balanceOf", args: [account] }),
      readContract(client, { ...call, functionName: "availableBalance", args: [account] }),
      readContract(client, { ...call, functionName: "pendingWithdrawal", args: [account] }),
      readContract(client, { ...call, functionName: "claimedBy", args: [account] }),
      keeper === undefined
        ? Promise.resolve(0n)
        : readContract(client, { ...call, functionName: "settledSpend", args: [account, keeper] }),
    ]);
    return {
      balance,
      available,
      pendingWithdrawal: { amount, unlockAt: BigInt(unlockAt) },
      claimed,
      settledSpend,
    };
  } catch (error) {
    throw toContractError(error, protocolErrorsAbi);
  }
}
