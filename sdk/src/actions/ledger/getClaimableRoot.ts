import type { Chain, Client, Hex, Transport } from "viem";
import { readContract } from "viem/actions";
import { type ContractRevertedErrorType, toContractError } from "../../errors/contract.js";
import { usageLedgerAbi } from "../../generated/abis.js";
import { protocolErrorsAbi } from "../../protocolAbi.js";
import type { ContractsOf } from "../internal/types.js";

/** `IUsageLedger.EpochStatus`, by index. */
export const epochStatuses = ["none", "pending", "disputed", "voided", "final"] as const;
export type EpochStatus = (typeof epochStatuses)[number];

export type GetClaimableRootParameters = { contracts: ContractsOf<"UsageLedger"> };
export type GetClaimableRootReturnType = {
  /** The epoch claims prove against (`0n` before the first is out of its window). */
  epoch: bigint;
  root: Hex;
  cumulativeTotal: bigint;
  /** The latest submitted epoch, which may still be in its window or disputed. */
  latest: { epoch: bigint; root: Hex; challengeEndsAt: bigint; statusName: EpochStatus };
};
export type GetClaimableRootErrorType = ContractRevertedErrorType;

/**
 * The root claims prove against now, and the latest submitted epoch. An earner holding the tree
 * of `epoch` (published at the report's `dataURI`) can claim with `claimEarnings`.
 *
 * @example
 * const { epoch, root } = await getClaimableRoot(client, { contracts })
 */
export async function getClaimableRoot(
  client: Client<Transport, Chain | undefined>,
  { contracts }: GetClaimableRootParameters,
): Promise<GetClaimableRootReturnType> {
  const address = contracts.UsageLedger;
  try {
    const blockNumber = await client.request({ method: "eth_blockNumber" }).then(BigInt);
    const [[epoch, root, cumulativeTotal], count] = await Promise.all([
      readContract(client, { address, abi: usageLedgerAbi, functionName: "claimableRoot", blockNumber }),
      readContract(client, { address, abi: usageLedgerAbi, functionName: "epochCount", blockNumber }),
    ]);
    const latest = await readContract(client, {
      address,
      abi: usageLedgerAbi,
      functionName: "getEpoch",
      args: [count],
      blockNumber,
    });
    return {
      epoch: BigInt(epoch),
      root,
      cumulativeTotal,
      latest: {
        epoch: BigInt(count),
        root: latest.root,
        challengeEndsAt: BigInt(latest.challengeEndsAt),
        statusName: epochStatuses[latest.status] ?? "none",
      },
    };
  } catch (error) {
    throw toContractError(error, protocolErrorsAbi);
  }
}
