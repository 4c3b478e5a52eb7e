export * from "./blobStore.js";
export * from "./localBlobStore.js";
