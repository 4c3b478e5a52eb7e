import {
  agentRegistryAbi,
  contributionVotesAbi,
  datanetRegistryAbi,
  inferenceMarketAbi,
  keeperRegistryAbi,
  modelRegistryAbi,
  openGovernorAbi,
  reportCourtAbi,
  rewardVaultAbi,
  usageLedgerAbi,
} from "@payable-ai/sdk/abis";
import { readDeployment } from "@payable-ai/sdk/node";
import { createConfig } from "ponder";

// Everything about the chain comes from deployments/<chainId>.json; the environment picks
// the chain, the RPC endpoint and the database.
const chainId = Number(process.env.PONDER_CHAIN_ID ?? 31337);
const rpcUrl = process.env.PONDER_RPC_URL ?? "http://127.0.0.1:8545";
const { contracts, startBlock } = await readDeployment({
  chainId,
  dir: process.env.PAYABLE_DEPLOYMENTS_DIR,
});
const isLocal = /^https?:\/\/(127\.0\.0\.1|localhost)/.test(rpcUrl);

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.PONDER_PGLITE_DIR ?? ".ponder/pglite" },
  chains: {
    payable: {
      id: chainId,
      rpc: rpcUrl,
      pollingInterval: Number(process.env.PONDER_POLLING_INTERVAL_MS ?? (isLocal ? 250 : 1000)),
      // A local chain restarts from genesis with the same id: never reuse cached RPC data.
      disableCache: isLocal,
    },
  },
  contracts: {
    DatanetRegistry: {
      chain: "payable",
      abi: datanetRegistryAbi,
      address: contracts.DatanetRegistry,
      startBlock,
    },
    ModelRegistry: { chain: "payable", abi: modelRegistryAbi, address: contracts.ModelRegistry, startBlock },
    InferenceMarket: {
      chain: "payable",
      abi: inferenceMarketAbi,
      address: contracts.InferenceMarket,
      startBlock,
    },
    ReportCourt: { chain: "payable", abi: reportCourtAbi, address: contracts.ReportCourt, startBlock },
    RewardVault: { chain: "payable", abi: rewardVaultAbi, address: contracts.RewardVault, startBlock },
    UsageLedger: { chain: "payable", abi: usageLedgerAbi, address: contracts.UsageLedger, startBlock },
    KeeperRegistry: {
      chain: "payable",
      abi: keeperRegistryAbi,
      address: contracts.KeeperRegistry,
      startBlock,
    },
    AgentRegistry: { chain: "payable", abi: agentRegistryAbi, address: contracts.AgentRegistry, startBlock },
    OpenGovernor: { chain: "payable", abi: openGovernorAbi, address: contracts.OpenGovernor, startBlock },
    ContributionVotes: {
      chain: "payable",
      abi: contributionVotesAbi,
      address: contracts.ContributionVotes,
      startBlock,
    },
  },
});
