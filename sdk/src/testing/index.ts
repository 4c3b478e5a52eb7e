export * from "./anvil.js";
export * from "./bench.js";
export * from "./datanetChain.js";
export * from "./deploy.js";
export * from "./foundry.js";
export * from "./stuckServers.js";
export * from "./until.js";
