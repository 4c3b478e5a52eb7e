import { type Address, type Hex, keccak256, toBytes } from "viem";

/** The calls a proposal executes through the timelock, and its description. */
export type ProposalCalls = {
  targets: readonly Address[];
  values: readonly bigint[];
  calldatas: readonly Hex[];
  description: string;
};

/** The arguments `queue` and `execute` take: the calls and the description's keccak256. */
export function proposalArgs({ targets, values, calldatas, description }: ProposalCalls) {
  return [targets, values, calldatas, keccak256(toBytes(description))] as const;
}
