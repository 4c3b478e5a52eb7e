import { readFile } from "node:fs/promises";
import { z } from "zod";
import { SHA256_HEX } from "./blobSource.js";

/** What the node must know about an adapter before serving it: above all, its expected hash. */
export interface AdapterRecord {
  id: string;
  /** sha256 of the adapter package blob, lower-case hex without 0x. */
  sha256: string;
  description?: string;
}

/**
 * Source of truth for adapter ids and hashes. The offline implementation reads a config map; an
 * on-chain implementation resolves ids through ModelRegistry (adapter hash of the model).
 */
export interface AdapterRegistry {
  lookup(id: string): Promise<AdapterRecord | undefined>;
  list(): Promise<AdapterRecord[]>;
}

const recordSchema = z.object({
  sha256: z
    .string()
    .transform((s) => s.toLowerCase().replace(/^0x/, ""))
    .pipe(z.string().regex(SHA256_HEX, "sha256 must be 64 hex digits")),
  description: z.string().optional(),
});

/** `registry.json`: `{ "adapters": { "<id>": { "sha256": "<hex>", "description"?: "..." } } }` */
export const registryFileSchema = z.object({ adapters: z.record(z.string().min(1), recordSchema) });

export const RESERVED_MODEL_IDS = ["base"];

export class StaticAdapterRegistry implements AdapterRegistry {
  private readonly records = new Map<string, AdapterRecord>();

  constructor(records: Iterable<AdapterRecord>) {
    for (const record of records) {
      if (RESERVED_MODEL_IDS.includes(record.id)) throw new Error(`adapter id "${record.id}" is reserved`);
      const parsed = recordSchema.parse(record);
      this.records.set(record.id, { id: record.id, ...parsed });
    }
  }

  static async fromFile(path: string): Promise<StaticAdapterRegistry> {
    const json = JSON.parse(await readFile(path, "utf8"));
    const file = registryFileSchema.parse(json);
    return new StaticAdapterRegistry(Object.entries(file.adapters).map(([id, r]) => ({ id, ...r })));
  }

  async lookup(id: string): Promise<AdapterRecord | undefined> {
    return this.records.get(id);
  }

  async list(): Promise<AdapterRecord[]> {
    return [...this.records.values()];
  }
}
