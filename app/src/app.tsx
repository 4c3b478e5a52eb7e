import { createContext, type ReactNode, useContext, useMemo } from "react";
import type { PublicClient } from "viem";
import { publicClientOf } from "./chain.js";
import type { AppConfig } from "./config.js";

type AppContextValue = {
  config: AppConfig;
  publicClient: PublicClient;
  /** The contracts in the shape the SDK's actions take. */
  contracts: Record<string, `0x${string}`> & {
    DatanetRegistry: `0x${string}`;
    ModelRegistry: `0x${string}`;
    InferenceMarket: `0x${string}`;
    OpenToken: `0x${string}`;
    RewardVault: `0x${string}`;
    KeeperRegistry: `0x${string}`;
    OpenGovernor: `0x${string}`;
    ContributionVotes: `0x${string}`;
  };
};

const AppContext = createContext<AppContextValue | null>(null);

export function AppProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const value = useMemo(
    () => ({
      config,
      publicClient: publicClientOf(config),
      contracts: config.contracts as AppContextValue["contracts"],
    }),
    [config],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error("useApp outside AppProvider");
  return value;
}
