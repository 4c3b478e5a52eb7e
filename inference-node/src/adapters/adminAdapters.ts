import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { BlobSource } from "./blobSource.js";
import { packPeftAdapter } from "./peft.js";
import type { AdapterRecord, AdapterRegistry } from "./registry.js";

export const PEFT_CONFIG_FILE = "adapter_config.json";
export const PEFT_WEIGHTS_FILE = "adapter_model.safetensors";
/** Largest adapter read from a path, as `HttpBlobSource`'s default limit. */
export const MAX_ADAPTER_BYTES = 1 << 30;

/**
 * The adapter package at `path`: a directory written by PEFT's `save_pretrained`
 * (`adapter_config.json` + `adapter_model.safetensors`, packed here), or a package file as is.
 */
export async function readAdapterPath(path: string, maxBytes = MAX_ADAPTER_BYTES): Promise<Uint8Array> {
  const directory = (await stat(path)).isDirectory();
  const weights = directory ? join(path, PEFT_WEIGHTS_FILE) : path;
  // Checked before reading, so a wrong path (a disk image, a checkpoint) is not read into memory.
  const { size } = await stat(weights);
  if (size > maxBytes) throw new Error(`${weights} is ${size} bytes, above the adapter limit of ${maxBytes}`);
  if (!directory) return new Uint8Array(await readFile(path));
  return packPeftAdapter(
    await readFile(join(path, PEFT_CONFIG_FILE), "utf8"),
    new Uint8Array(await readFile(weights)),
  );
}

/**
 * Adapters loaded while the node runs (`POST /v1/load_lora_adapter`): their records, and the
 * package bytes of those read from a path, held in memory under the hash the caller registered.
 * It is one more registry behind the configured ones (which win on a shared id) and one more blob
 * source in front of the configured one; the loader verifies its blobs like any other.
 */
export class AdminAdapters implements AdapterRegistry {
  private readonly records = new Map<string, AdapterRecord>();
  private readonly blobs = new Map<string, Uint8Array>();

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** Registers `record`; `bytes` is the blob claimed to hash to `record.sha256`, if it has no store. */
  add(record: AdapterRecord, bytes?: Uint8Array): void {
    this.records.set(record.id, record);
    if (bytes) this.blobs.set(record.sha256, bytes);
  }

  /** Forgets an id and, unless another id names the same hash, its bytes. */
  remove(id: string): AdapterRecord | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    this.records.delete(id);
    if (![...this.records.values()].some((r) => r.sha256 === record.sha256)) this.blobs.delete(record.sha256);
    return record;
  }

  async lookup(id: string): Promise<AdapterRecord | undefined> {
    return this.records.get(id);
  }

  async list(): Promise<AdapterRecord[]> {
    return [...this.records.values()];
  }

  /** `source` with the bytes held here in front of it. */
  over(source: BlobSource): BlobSource {
    return {
      description: source.description,
      get: async (sha256, signal) => this.blobs.get(sha256) ?? source.get(sha256, signal),
    };
  }
}
