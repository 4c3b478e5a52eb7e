export * from "./clients.js";
export * from "./demo.js";
export * from "./network.js";
export * from "./services.js";
