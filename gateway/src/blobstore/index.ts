export * from "./blobStore.js";
export * from "./localBlobStore.js";
export * from "./s3BlobStore.js";
