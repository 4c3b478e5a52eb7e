export * from "./accessChecker.js";
export * from "./app.js";
export * from "./errors.js";
export * from "./nonceStore.js";
export * from "./server.js";
export * from "./sessions.js";
export * from "./viemAccessChecker.js";
export * from "./visibility.js";
