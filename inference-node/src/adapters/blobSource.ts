import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AdapterUnavailableError } from "../errors.js";

/**
 * Where adapter blobs come from. Blobs are addressed by their sha256 (lower-case hex); a source
 * need not be trusted, since the loader verifies every blob against the registered hash.
 */
export interface BlobSource {
  readonly description: string;
  get(sha256: string, signal?: AbortSignal): Promise<Uint8Array>;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** A local directory holding one file per blob, named by its sha256: `<dir>/<sha256>`. */
export class LocalBlobSource implements BlobSource {
  readonly description: string;

  constructor(readonly directory: string) {
    this.description = `local:${directory}`;
  }

  async get(sha256: string, signal?: AbortSignal): Promise<Uint8Array> {
    if (!SHA256_HEX.test(sha256))
      throw new AdapterUnavailableError(`blob id ${JSON.stringify(sha256)} is not a sha256`);
    try {
      return new Uint8Array(await readFile(join(this.directory, sha256), { signal }));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT")
        throw new AdapterUnavailableError(`blob ${sha256} is not in ${this.description}`);
      throw new AdapterUnavailableError(
        `blob ${sha256} could not be read from ${this.description}: ${(error as Error).message}`,
      );
    }
  }
}
