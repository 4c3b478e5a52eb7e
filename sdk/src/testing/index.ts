export * from "./anvil.js";
export * from "./deploy.js";
export * from "./foundry.js";
export * from "./until.js";
