import type { LoraAdapter } from "./lora.js";

export interface AdapterCacheOptions {
  budgetBytes: number;
  load: (id: string) => Promise<LoraAdapter>;
  /** Loads running at once; the rest wait (default 4). */
  maxConcurrentLoads?: number;
  onEvict?: (adapter: LoraAdapter) => void;
}

/**
 * Resident adapters under a byte budget with least-recently-used eviction. Concurrent requests for
 * the same adapter share one load. Loads run on the event loop's I/O, never inside a decode step.
 */
export class AdapterCache {
  private readonly resident = new Map<string, LoraAdapter>();
  private readonly loading = new Map<string, Promise<LoraAdapter>>();
  private readonly waiters: (() => void)[] = [];
  private running = 0;
  private residentBytes = 0;
  peakBytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(private readonly options: AdapterCacheOptions) {
    if (!(options.budgetBytes > 0)) throw new Error("the adapter cache budget must be positive");
  }

  get budgetBytes(): number {
    return this.options.budgetBytes;
  }

  get bytes(): number {
    return this.residentBytes;
  }

  has(id: string): boolean {
    return this.resident.has(id);
  }

  /** Forgets a resident adapter (unloaded by the admin API); rows holding it keep their copy. */
  drop(id: string): boolean {
    const resident = this.resident.get(id);
    if (!resident) return false;
    this.resident.delete(id);
    this.residentBytes -= resident.bytes;
    return true;
  }

  residentIds(): string[] {
    return [...this.resident.keys()];
  }

  /**
   * Returns the adapter, loading it if needed, and marks it most recently used. With `sha256` (the
   * hash the registry names now), a resident copy read from another blob is dropped and reloaded:
   * an id repointed in the registry never serves its old weights.
   */
  get(id: string, sha256?: string): Promise<LoraAdapter> {
    const hit = this.resident.get(id);
    if (hit && (sha256 === undefined || hit.sha256 === undefined || hit.sha256 === sha256)) {
      this.hits += 1;
      this.resident.delete(id);
      this.resident.set(id, hit);
      return Promise.resolve(hit);
    }
    if (hit) {
      this.resident.delete(id);
      this.residentBytes -= hit.bytes;
    }
    const key = sha256 === undefined ? id : `${id}@${sha256}`;
    const inFlight = this.loading.get(key);
    if (inFlight) return inFlight;
    this.misses += 1;
    const promise = this.loadBounded(id).finally(() => this.loading.delete(key));
    this.loading.set(key, promise);
    return promise;
  }

  private async loadBounded(id: string): Promise<LoraAdapter> {
    const limit = this.options.maxConcurrentLoads ?? 4;
    if (this.running >= limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.running += 1;
    try {
      const adapter = await this.options.load(id);
      this.insert(adapter);
      return adapter;
    } finally {
      this.running -= 1;
      this.waiters.shift()?.();
    }
  }

  private insert(adapter: LoraAdapter): void {
    if (adapter.bytes > this.options.budgetBytes) {
      throw new Error(
        `adapter ${adapter.id} needs ${adapter.bytes} bytes, more than the cache budget ${this.options.budgetBytes}`,
      );
    }
    const previous = this.resident.get(adapter.id);
    if (previous) {
      this.resident.delete(adapter.id);
      this.residentBytes -= previous.bytes;
    }
    while (this.residentBytes + adapter.bytes > this.options.budgetBytes) {
      const oldest = this.resident.keys().next().value as string;
      const evicted = this.resident.get(oldest) as LoraAdapter;
      this.resident.delete(oldest);
      this.residentBytes -= evicted.bytes;
      this.evictions += 1;
      this.options.onEvict?.(evicted);
    }
    this.resident.set(adapter.id, adapter);
    this.residentBytes += adapter.bytes;
    this.peakBytes = Math.max(this.peakBytes, this.residentBytes);
  }
}
