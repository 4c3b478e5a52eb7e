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

function checkId(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) {
    throw new AdapterUnavailableError(`blob id ${JSON.stringify(sha256)} is not a sha256`);
  }
}

/**
 * A local directory holding one file per blob, named by its sha256: `<dir>/<sha256>`, or
 * `<dir>/<first two hex digits>/<sha256>` as the keepers' blob store lays them out.
 */
export class LocalBlobSource implements BlobSource {
  readonly description: string;

  constructor(readonly directory: string) {
    this.description = `local:${directory}`;
  }

  async get(sha256: string, signal?: AbortSignal): Promise<Uint8Array> {
    checkId(sha256);
    for (const path of [join(this.directory, sha256), join(this.directory, sha256.slice(0, 2), sha256)]) {
      try {
        return new Uint8Array(await readFile(path, { signal }));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw new AdapterUnavailableError(
          `blob ${sha256} could not be read from ${this.description}: ${(error as Error).message}`,
        );
      }
    }
    throw new AdapterUnavailableError(`blob ${sha256} is not in ${this.description}`);
  }
}

/**
 * Blobs over HTTP: `GET <baseUrl>/<sha256>`, e.g. the keepers' blob gateway
 * (`http://host:port/blobs`) or a public S3-compatible bucket URL. The content is not trusted:
 * the loader verifies its hash.
 */
export class HttpBlobSource implements BlobSource {
  readonly description: string;

  constructor(
    readonly baseUrl: string,
    readonly options: { timeoutMs?: number; maxBytes?: number } = {},
  ) {
    this.description = `http:${baseUrl}`;
  }

  async get(sha256: string, signal?: AbortSignal): Promise<Uint8Array> {
    checkId(sha256);
    const url = `${this.baseUrl.replace(/\/+$/, "")}/${sha256}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    let response: Response;
    try {
      response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    } catch (error) {
      throw new AdapterUnavailableError(
        `blob ${sha256} could not be fetched from ${url}: ${(error as Error).message}`,
      );
    }
    const maxBytes = this.options.maxBytes ?? 1 << 30;
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (!response.ok || declared > maxBytes) {
      await response.body?.cancel();
      if (response.status === 404)
        throw new AdapterUnavailableError(`blob ${sha256} is not in ${this.description}`);
      throw new AdapterUnavailableError(
        response.ok
          ? `blob ${sha256} is ${declared} bytes, above the limit of ${maxBytes}`
          : `blob ${sha256}: ${url} answered ${response.status}`,
      );
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > maxBytes) {
      throw new AdapterUnavailableError(`blob ${sha256} is above the limit of ${maxBytes} bytes`);
    }
    return bytes;
  }
}
