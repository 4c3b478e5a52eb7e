import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { AdapterIntegrityError, AdapterNotFoundError } from "../errors.js";
import type { LlamaConfig } from "../model/config.js";
import type { BlobSource } from "./blobSource.js";
import type { LoraAdapter } from "./lora.js";
import { readAdapterPackage } from "./peft.js";
import type { AdapterRegistry } from "./registry.js";

export interface AdapterLoaderOptions {
  registry: AdapterRegistry;
  source: BlobSource;
  model: LlamaConfig;
  logger?: Logger;
  onIntegrityFailure?: (id: string) => void;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Fetches an adapter by id: registry lookup → blob → sha256 check → PEFT parse. A blob whose hash
 * differs from the registered one is logged and refused; nothing from it is parsed or served.
 */
export function createAdapterLoader(options: AdapterLoaderOptions): (id: string) => Promise<LoraAdapter> {
  return async (id: string) => {
    const record = await options.registry.lookup(id);
    if (!record) throw new AdapterNotFoundError(id);
    const bytes = await options.source.get(record.sha256);
    const actual = sha256Hex(bytes);
    if (actual !== record.sha256) {
      options.logger?.error(
        { adapter: id, expected: record.sha256, actual, source: options.source.description },
        "adapter blob failed sha256 verification; refused",
      );
      options.onIntegrityFailure?.(id);
      throw new AdapterIntegrityError(id, record.sha256, actual);
    }
    return { ...readAdapterPackage(id, bytes, options.model), sha256: record.sha256 };
  };
}
