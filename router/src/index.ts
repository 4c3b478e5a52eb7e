export { createApp } from "./app.js";
export { mergedListing, resolveTarget, type Target } from "./catalog.js";
export { type NodeConfig, nodeConfigSchema, nodeListSchema } from "./config.js";
export * from "./errors.js";
export { RouterMetrics } from "./metrics.js";
export { NodeState } from "./nodes.js";
export { type Candidate, chooseNode, loadBound, type RouteDecision, rendezvousOrder } from "./placement.js";
export { createRouter, type Router, type RouterOptions, type StartedRouter, startRouter } from "./router.js";
