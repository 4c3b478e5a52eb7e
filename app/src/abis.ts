import {
  agentRegistryAbi,
  contributionVotesAbi,
  datanetRegistryAbi,
  inferenceMarketAbi,
  keeperRegistryAbi,
  modelRegistryAbi,
  openGovernorAbi,
  openTokenAbi,
  reportCourtAbi,
  rewardVaultAbi,
} from "@payable-ai/sdk";
import type { Abi, AbiFunction } from "viem";

/** The ABI of each deployed contract by its deployment name. */
export const contractAbis: Record<string, Abi> = {
  OpenToken: openTokenAbi,
  DatanetRegistry: datanetRegistryAbi,
  ModelRegistry: modelRegistryAbi,
  ContributionVotes: contributionVotesAbi,
  KeeperRegistry: keeperRegistryAbi,
  RewardVault: rewardVaultAbi,
  InferenceMarket: inferenceMarketAbi,
  ReportCourt: reportCourtAbi,
  AgentRegistry: agentRegistryAbi,
  OpenGovernor: openGovernorAbi,
};

/** Functions governance may call on a contract: its state-changing ones. */
export function governableFunctions(name: string): AbiFunction[] {
  return (contractAbis[name] ?? []).filter(
    (item): item is AbiFunction =>
      item.type === "function" && item.stateMutability !== "view" && item.stateMutability !== "pure",
  );
}
