import type { Logger } from "pino";
import type { NodeConfig } from "./config.js";

/** An adapter a node reported in `/v1/models`. */
export interface ListedAdapter {
  /** The node's own name for it. */
  name: string;
  /** The adapter package's sha256 (reported by payable nodes, from the mapping for openai ones). */
  sha256: string;
  resident: boolean;
  created?: number;
  root?: string;
}

export type NodeStatus = "up" | "draining" | "down";

/** Consecutive timed-out checks after which a node that was up counts as down. */
const SLOW_CHECKS_TO_DOWN = 3;

/** What the router knows of one backend: reachability, its adapters and its requests in flight. */
export class NodeState {
  status: NodeStatus = "down";
  lastError: string | undefined = "not checked yet";
  /** Adapters by the node's name for them (for openai backends, only the mapped ones). */
  adapters = new Map<string, ListedAdapter>();
  /** The base model's entry of a payable node's `/v1/models` (echoed in the router's list). */
  base: Record<string, unknown> | undefined;
  /**
   * Requests the router has sent here and not yet finished, by attempt (request ids come from
   * clients and may repeat), each with its request id.
   */
  readonly inFlight = new Map<number, string>();
  /** Adapter names routed here since the last listing began: loaded by now, or being loaded. */
  readonly routedSinceListing = new Set<string>();
  /** The mapping's reverse for openai backends: backend name → sha256. */
  readonly hashOfName: Map<string, string>;
  #slowChecks = 0;

  constructor(readonly config: NodeConfig) {
    this.hashOfName = new Map([...config.adapters].map(([hash, name]) => [name, hash]));
  }

  get name(): string {
    return this.config.name;
  }

  get url(): string {
    return this.config.url;
  }

  get routable(): boolean {
    return this.status === "up";
  }

  /** The backend name of the adapter with hash `sha256`, if this node serves it. */
  nameOf(sha256: string): string | undefined {
    if (this.config.kind === "openai") return this.config.adapters.get(sha256);
    for (const adapter of this.adapters.values()) if (adapter.sha256 === sha256) return adapter.name;
    return undefined;
  }

  isResident(name: string): boolean {
    return this.adapters.get(name)?.resident === true || this.routedSinceListing.has(name);
  }

  headers(): Record<string, string> {
    return this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {};
  }

  /** Marks the node down after a failed connection; the next successful check brings it back. */
  markDown(reason: string): void {
    this.status = "down";
    this.lastError = reason;
  }

  /**
   * Asks `/health`, then `/v1/models`. A 503 from `/health` is a draining node (no new work); a
   * refused connection or another status is a down node, and so are three checks in a row that
   * got no answer within `timeoutMs`.
   */
  async check(timeoutMs: number, logger: Logger): Promise<void> {
    const before = this.status;
    const listingStarted = new Set(this.routedSinceListing);
    try {
      const health = await fetch(`${this.url}/health`, {
        headers: this.headers(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await health.arrayBuffer();
      if (health.status === 503) {
        this.status = "draining";
        this.lastError = "the node is shutting down";
      } else if (!health.ok) {
        this.status = "down";
        this.lastError = `GET /health answered ${health.status}`;
      } else {
        const models = await fetch(`${this.url}/v1/models`, {
          headers: this.headers(),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!models.ok) throw new Error(`GET /v1/models answered ${models.status}`);
        this.#readListing(await models.json());
        for (const name of listingStarted) this.routedSinceListing.delete(name);
        this.status = "up";
        this.lastError = undefined;
      }
      this.#slowChecks = 0;
    } catch (error) {
      this.lastError = (error as Error).message;
      // A node busy with a large batch can be slow to answer a check; it is alive while it still
      // accepts connections, so only repeated timeouts take it out (a refused connection at once).
      const timedOut = (error as Error).name === "TimeoutError";
      if (!timedOut || before !== "up" || ++this.#slowChecks >= SLOW_CHECKS_TO_DOWN) this.status = "down";
    }
    if (this.status !== before) {
      const line = { node: this.name, url: this.url, from: before, to: this.status, reason: this.lastError };
      if (this.status === "up") logger.info(line, "node status changed");
      else logger.warn(line, "node status changed");
    }
  }

  #readListing(json: unknown): void {
    const data = (json as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw new Error("GET /v1/models answered without a data list");
    const adapters = new Map<string, ListedAdapter>();
    let base: Record<string, unknown> | undefined;
    for (const entry of data as Record<string, unknown>[]) {
      const name = entry?.id;
      if (typeof name !== "string") continue;
      const resident = entry.resident !== false;
      const created = typeof entry.created === "number" ? entry.created : undefined;
      const root = typeof entry.root === "string" ? entry.root : undefined;
      if (this.config.kind === "openai") {
        // vLLM, LoRAX and SGLang report names only; the operator's mapping gives the hash.
        const sha256 = this.hashOfName.get(name);
        if (sha256) adapters.set(name, { name, sha256, resident, created, root });
      } else if (name === "base" && entry.parent === null) base = entry;
      else if (typeof entry.sha256 === "string" && /^[0-9a-f]{64}$/.test(entry.sha256))
        adapters.set(name, { name, sha256: entry.sha256, resident, created, root });
    }
    this.adapters = adapters;
    this.base = base;
  }
}
