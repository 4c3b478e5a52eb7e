/** What {@link RpcHealth} reports under `checks.rpc` of `/health`. */
export type RpcHealthStatus = {
  ok: boolean;
  /** Unix milliseconds of the last answer and the last failure, if any. */
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
};

/**
 * The recent outcome of calls to the chain's JSON-RPC endpoint, for readiness: not
 * ready while the last call failed less than `windowMs` ago. Every call through the
 * gateway's client counts, including the contribution sync's polling, so a gateway
 * that syncs notices an outage without traffic.
 */
export class RpcHealth {
  #lastSuccessAt: number | undefined;
  #lastFailureAt: number | undefined;
  #lastError: string | undefined;

  constructor(
    readonly windowMs = 30_000,
    readonly now: () => number = Date.now,
  ) {}

  recordSuccess(): void {
    this.#lastSuccessAt = this.now();
  }

  recordFailure(error: unknown): void {
    this.#lastFailureAt = this.now();
    this.#lastError = (error as Error)?.message?.split("\n")[0] ?? String(error);
  }

  status(): RpcHealthStatus {
    const failing =
      this.#lastFailureAt !== undefined &&
      (this.#lastSuccessAt === undefined || this.#lastSuccessAt < this.#lastFailureAt) &&
      this.now() - this.#lastFailureAt < this.windowMs;
    return {
      ok: !failing,
      ...(this.#lastSuccessAt === undefined ? {} : { lastSuccessAt: this.#lastSuccessAt }),
      ...(this.#lastFailureAt === undefined ? {} : { lastFailureAt: this.#lastFailureAt }),
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
    };
  }
}
