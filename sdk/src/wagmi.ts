/**
 * wagmi for dApps: generated React hooks for every protocol contract
 * (`useReadDatanetRegistryDatanets`, `useWriteInferenceMarketRequestInference`, ...) and a
 * config helper. Needs the optional peer dependencies `wagmi`, `react` and `@tanstack/react-query`.
 */
export * from "./generated/react.js";
export * from "./wagmiConfig.js";
