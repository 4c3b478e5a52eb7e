export * from "./attribution/index.js";
export * from "./blobstore/index.js";
export * from "./gateway/index.js";
