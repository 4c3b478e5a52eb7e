/**
 * wagmi for dApps: generated React hooks for every protocol contract
 * (`useReadDatanetRegistryDatanets`, `useWriteInferenceMarketRequestInference`, ...), a config
 * helper that binds the protocol's addresses per chain, and flow hooks over the SDK's actions
 * (`useContribute`, `useRequestInference`, ...). Needs the optional peer dependencies `wagmi`,
 * `react` and `@tanstack/react-query`.
 */
export * from "./generated/react.js";
export * from "./wagmiConfig.js";
export * from "./wagmiFlows.js";
