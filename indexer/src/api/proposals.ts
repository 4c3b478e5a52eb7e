import { openGovernorAbi } from "@payable-ai/sdk/abis";
import type { Address, PublicClient } from "viem";

/** `IGovernor.ProposalState` in the enum's order, as lower-case words. */
export const proposalStatuses = [
  "pending",
  "active",
  "canceled",
  "defeated",
  "succeeded",
  "queued",
  "expired",
  "executed",
] as const;

export type ProposalStatus = (typeof proposalStatuses)[number];

/**
 * A proposal's status as the governor answers `state(proposalId)` at the chain head. Pending,
 * active, succeeded and defeated follow the governor's clock, the quorum at the snapshot and the
 * timelock (which anyone may execute and the guardian may cancel without a governor event), so
 * only the governor's own execution and cancellation are taken from the index.
 */
export async function readProposalStatus(
  client: PublicClient,
  governor: Address,
  proposal: { id: bigint; executedAt: bigint | null; canceledAt: bigint | null },
): Promise<ProposalStatus> {
  if (proposal.executedAt !== null) return "executed";
  if (proposal.canceledAt !== null) return "canceled";
  const state = await client.readContract({
    address: governor,
    abi: openGovernorAbi,
    functionName: "state",
    args: [proposal.id],
  });
  const status = proposalStatuses[state];
  if (status === undefined) throw new Error(`OpenGovernor.state returned ${state}, not a ProposalState`);
  return status;
}
