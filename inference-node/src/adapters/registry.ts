import { readFile, stat } from "node:fs/promises";
import type { Logger } from "pino";
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

/**
 * `registry.json` that follows its file: at most every `checkMs` a lookup looks at the file's
 * modification time and size and, when they changed, reads it again, so ids added, removed or
 * repointed take effect without a restart. A file that no longer parses keeps the last good
 * records (logged at error level) rather than taking every adapter down.
 */
export class FileAdapterRegistry implements AdapterRegistry {
  private current: StaticAdapterRegistry;
  private stamp: string;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;
  /** Times the file was read again after the first read. */
  reloads = 0;

  private constructor(
    readonly path: string,
    initial: StaticAdapterRegistry,
    stamp: string,
    private readonly options: { checkMs: number; logger?: Logger },
  ) {
    this.current = initial;
    this.stamp = stamp;
    this.checkedAt = Date.now();
  }

  /** Reads the file once (a bad file fails here, at start) and follows it from then on. */
  static async open(path: string, options: { checkMs?: number; logger?: Logger } = {}) {
    const stamp = await fileStamp(path);
    const initial = await StaticAdapterRegistry.fromFile(path);
    return new FileAdapterRegistry(path, initial, stamp, { checkMs: options.checkMs ?? 1000, ...options });
  }

  async lookup(id: string): Promise<AdapterRecord | undefined> {
    await this.refresh();
    return this.current.lookup(id);
  }

  async list(): Promise<AdapterRecord[]> {
    await this.refresh();
    return this.current.list();
  }

  private refresh(): Promise<void> {
    if (Date.now() - this.checkedAt < this.options.checkMs) return Promise.resolve();
    this.checking ??= this.reread().finally(() => {
      this.checkedAt = Date.now();
      this.checking = null;
    });
    return this.checking;
  }

  private async reread(): Promise<void> {
    try {
      const stamp = await fileStamp(this.path);
      if (stamp === this.stamp) return;
      this.current = await StaticAdapterRegistry.fromFile(this.path);
      this.stamp = stamp;
      this.reloads += 1;
      this.options.logger?.info(
        { path: this.path, adapters: (await this.current.list()).length },
        "registry reloaded",
      );
    } catch (error) {
      this.options.logger?.error(
        { path: this.path, err: error },
        "registry file unreadable; keeping the last good one",
      );
    }
  }
}

async function fileStamp(path: string): Promise<string> {
  const info = await stat(path);
  return `${info.mtimeMs}:${info.size}:${info.ino}`;
}
