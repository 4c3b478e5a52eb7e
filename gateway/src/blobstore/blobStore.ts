import { createHash } from "node:crypto";
import { BaseError } from "@payable-ai/sdk";
import type { Hex } from "viem";

/** A blob id: the lowercase hex sha256 of the content, without `0x` (it names files and URLs). */
export type BlobId = string;

const BLOB_ID = /^[0-9a-f]{64}$/;

/** True for a well-formed blob id. */
export function isBlobId(value: string): value is BlobId {
  return BLOB_ID.test(value);
}

/** The id of `content`. */
export function blobIdOf(content: Uint8Array): BlobId {
  return createHash("sha256").update(content).digest("hex");
}

/** Accepts a blob id or the `bytes32` content hash the contracts store (`0x`-prefixed, any case). */
export function parseBlobId(value: string): BlobId | undefined {
  const bare = (value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value).toLowerCase();
  return isBlobId(bare) ? bare : undefined;
}

/** The `bytes32` form of a blob id, as `contentHash` in the SDK and the contracts. */
export function blobIdToContentHash(id: BlobId): Hex {
  return `0x${id}`;
}

export type PutResult = { id: BlobId; size: number; created: boolean };

/**
 * Content-addressed storage. Blobs are immutable and named by their sha256, so a
 * put of existing content is a no-op and a get can be verified by re-hashing.
 *
 * Implementations: {@link LocalBlobStore} (a directory, the embedded default) and
 * {@link S3BlobStore} (objects `<prefix>/<id[0:2]>/<id>` in an S3-compatible bucket,
 * written with a conditional PutObject, `If-None-Match: *`).
 */
export interface BlobStore {
  /**
   * Stores `content` and returns its id; `created` is false when it was already
   * there. Of concurrent puts of the same content, exactly one reports `created`.
   */
  put(content: Uint8Array): Promise<PutResult>;
  /** The content of `id`, or undefined when absent. Throws {@link BlobCorruptedError} on a hash mismatch. */
  get(id: BlobId): Promise<Uint8Array | undefined>;
  /** Size in bytes of `id`, or undefined when absent. */
  stat(id: BlobId): Promise<{ size: number } | undefined>;
  has(id: BlobId): Promise<boolean>;
  /** Resolves when the store can take a new blob now (readiness); throws otherwise. */
  checkWritable(): Promise<void>;
}

export class BlobStoreError extends BaseError {
  override name = "BlobStoreError";
}

/** Stored bytes no longer hash to their id (disk corruption or tampering). */
export class BlobCorruptedError extends BlobStoreError {
  override name = "BlobCorruptedError";
  constructor(
    readonly id: BlobId,
    readonly actual: BlobId,
  ) {
    super(`blob ${id} is corrupted: its content hashes to ${actual}`);
  }
}

export class InvalidBlobIdError extends BlobStoreError {
  override name = "InvalidBlobIdError";
  constructor(readonly value: string) {
    super(`"${value}" is not a blob id (64 lowercase hex characters, the sha256 of the content)`);
  }
}
