import type { Abi, AbiError } from "abitype";
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
  usageLedgerAbi,
} from "./generated/abis.js";

/** Every custom error of every protocol contract (deduplicated by signature), for decoding reverts. */
export const protocolErrorsAbi: Abi = (() => {
  const seen = new Map<string, AbiError>();
  for (const abi of [
    datanetRegistryAbi,
    modelRegistryAbi,
    inferenceMarketAbi,
    keeperRegistryAbi,
    reportCourtAbi,
    rewardVaultAbi,
    usageLedgerAbi,
    agentRegistryAbi,
    openTokenAbi,
    openGovernorAbi,
    contributionVotesAbi,
  ] as readonly Abi[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (!seen.has(signature)) seen.set(signature, item);
    }
  }
  return [...seen.values()];
})();
