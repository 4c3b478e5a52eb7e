// Node-only parts of the SDK (files): `@payable-ai/sdk/node`. Everything else runs in browsers too.
export * from "./contentHashOfFile.js";
export * from "./readDeployment.js";
