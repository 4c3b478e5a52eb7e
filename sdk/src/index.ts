export * from "./deployments.js";
export * from "./eip712.js";
export * from "./errors/base.js";
export * from "./errors/contract.js";
export * from "./utils/contentHash.js";
export * from "./utils/trainingManifest.js";
