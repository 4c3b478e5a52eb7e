import { BlobCorruptedError, S3BlobStore, type S3BlobStoreOptions } from "@payable-ai/gateway/blobstore";
import { AdapterUnavailableError } from "../errors.js";
import { type BlobSource, SHA256_HEX } from "./blobSource.js";

/**
 * Adapter blobs read from the bucket the data gateway writes (`<prefix>/<id[0:2]>/<id>`, see
 * `S3BlobStore`), so uploaded adapters need no copy onto the node. The loader still checks each
 * blob against the registered hash.
 */
export class S3BlobSource implements BlobSource {
  readonly description: string;
  readonly #store: S3BlobStore;

  constructor(options: S3BlobStoreOptions) {
    this.#store = new S3BlobStore(options);
    this.description = `${this.#store.url} at ${this.#store.endpoint}`;
  }

  async get(sha256: string, signal?: AbortSignal): Promise<Uint8Array> {
    if (!SHA256_HEX.test(sha256)) {
      throw new AdapterUnavailableError(`blob id ${JSON.stringify(sha256)} is not a sha256`);
    }
    signal?.throwIfAborted();
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.#store.get(sha256);
    } catch (error) {
      const reason =
        error instanceof BlobCorruptedError ? "its object is corrupted" : (error as Error).message;
      throw new AdapterUnavailableError(
        `blob ${sha256} could not be read from ${this.description}: ${reason}`,
      );
    }
    if (bytes === undefined)
      throw new AdapterUnavailableError(`blob ${sha256} is not in ${this.description}`);
    return bytes;
  }

  /** Closes the S3 client's connections. */
  close(): void {
    this.#store.destroy();
  }
}
