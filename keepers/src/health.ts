import type { KeeperNode } from "./keeper.js";
import { lagBlocks } from "./keeper.js";

export type HealthOptions = {
  /** Most blocks the keeper may trail the chain head (beyond its confirmations) and be ready. */
  maxLagBlocks?: number;
  /** Most milliseconds since the last successful tick for the keeper to be ready. */
  maxTickAgeMs?: number;
  /** Most milliseconds since the loop last started a tick for the process to be live. */
  maxLoopAgeMs?: number;
  /** Timeout of each dependency probe. */
  probeTimeoutMs?: number;
  /** Probe results are reused for this long. */
  cacheMs?: number;
};

export type DependencyStatus = { ok: boolean; latencyMs: number; error?: string };

export type ReadinessReport = {
  ok: boolean;
  ready: boolean;
  /** Why the keeper is not ready (empty when it is). */
  reasons: string[];
  keeper: string;
  chainId: number;
  market: string;
  head: string | undefined;
  nextBlock: string;
  lagBlocks: string | undefined;
  lastTickAt: string | undefined;
  lastTickError: string | undefined;
  stake: string | undefined;
  unbondingEndsAt: string | undefined;
  staked: boolean | undefined;
  active: boolean | undefined;
  queue: number;
  dependencies: { rpc: DependencyStatus; gateway: DependencyStatus; inference: DependencyStatus };
};

type Probe = {
  at: number;
  head: bigint | undefined;
  stake: bigint | undefined;
  unbondingEndsAt: bigint | undefined;
  active: boolean | undefined;
  dependencies: ReadinessReport["dependencies"];
};

/**
 * Liveness (the loop runs) and readiness (the keeper can do its job now: its RPC, gateway and
 * inference node answer, it keeps up with the chain, its ticks succeed, its key is staked and
 * active). Dependencies are probed with short timeouts and the results cached, so a scraper
 * polling `/health` cannot turn into load on them.
 */
export class KeeperHealth {
  readonly maxLagBlocks: number;
  readonly maxTickAgeMs: number;
  readonly maxLoopAgeMs: number;
  readonly probeTimeoutMs: number;
  readonly cacheMs: number;
  #probe: Promise<Probe> | undefined;

  constructor(
    readonly node: KeeperNode,
    options: HealthOptions = {},
  ) {
    const poll = node.options.pollIntervalMs;
    this.maxLagBlocks = options.maxLagBlocks ?? 20;
    this.maxTickAgeMs = options.maxTickAgeMs ?? Math.max(30_000, 10 * poll);
    this.maxLoopAgeMs = options.maxLoopAgeMs ?? Math.max(300_000, 100 * poll);
    this.probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
    this.cacheMs = options.cacheMs ?? 3_000;
  }

  /** Whether the process runs its watch loop (a tick started recently). */
  liveness(): { live: boolean; lastLoopAt: string | undefined } {
    const { running, lastLoopAt } = this.node.loopStatus;
    const live = running && lastLoopAt !== undefined && Date.now() - lastLoopAt < this.maxLoopAgeMs;
    return { live, lastLoopAt: iso(lastLoopAt) };
  }

  async readiness(): Promise<ReadinessReport> {
    const probe = await this.#probed();
    const { node } = this;
    const { chain, state, metrics } = node.options;
    const loop = node.loopStatus;
    const head = probe.head ?? loop.head;
    const lag = head === undefined ? undefined : lagBlocks(head, state.nextBlock, chain.confirmations);
    const active = probe.active ?? loop.active;
    const staked = probe.stake === undefined ? undefined : probe.stake > 0n;
    const reasons: string[] = [];
    for (const [name, status] of Object.entries(probe.dependencies)) {
      if (!status.ok) reasons.push(`${name} unreachable: ${status.error}`);
    }
    if (!loop.running) reasons.push("the watch loop is not running");
    if (loop.lastTickAt === undefined || Date.now() - loop.lastTickAt > this.maxTickAgeMs) {
      reasons.push(
        loop.lastTickAt === undefined
          ? "no tick has completed yet"
          : `no successful tick for ${Math.round((Date.now() - loop.lastTickAt) / 1000)} s`,
      );
    }
    if (lag !== undefined && lag > BigInt(this.maxLagBlocks))
      reasons.push(`${lag} blocks behind the chain head`);
    if (staked === false) reasons.push("this keeper has no stake");
    else if (active === false)
      reasons.push("this keeper is not active (stake below the minimum or unbonding)");
    const ready = reasons.length === 0;
    metrics.ready.set(ready ? 1 : 0);
    if (lag !== undefined) metrics.lagBlocks.set(Number(lag));
    return {
      ok: ready,
      ready,
      reasons,
      keeper: node.address,
      chainId: chain.chainId,
      market: chain.contracts.InferenceMarket,
      head: head?.toString(),
      nextBlock: state.nextBlock.toString(),
      lagBlocks: lag?.toString(),
      lastTickAt: iso(loop.lastTickAt),
      lastTickError: loop.lastTickError,
      stake: probe.stake?.toString(),
      unbondingEndsAt: probe.unbondingEndsAt?.toString(),
      staked,
      active,
      queue: node.queue.size + node.queue.pending,
      dependencies: probe.dependencies,
    };
  }

  #probed(): Promise<Probe> {
    const cached = this.#probe;
    const fresh = cached?.then((p) => Date.now() - p.at < this.cacheMs);
    return (fresh ?? Promise.resolve(false)).then((isFresh) => {
      if (isFresh && cached) return cached;
      this.#probe = this.#run();
      return this.#probe;
    });
  }

  async #run(): Promise<Probe> {
    const { chain, gateway, inference } = this.node.options;
    const timeoutMs = this.probeTimeoutMs;
    let head: bigint | undefined;
    let info: { stake: bigint; unbondingEndsAt: bigint } | undefined;
    let active: boolean | undefined;
    const [rpc, gatewayStatus, inferenceStatus] = await Promise.all([
      timed(timeoutMs, "RPC", async () => {
        [head, info, active] = await Promise.all([
          chain.publicClient.getBlockNumber({ cacheTime: 0 }),
          chain.keeperInfo(this.node.address),
          chain.isActive(this.node.address),
        ]);
      }),
      timed(timeoutMs, "gateway", async () => {
        await gateway.health({ timeoutMs });
      }),
      timed(timeoutMs, "inference node", () => inference.health(timeoutMs)),
    ]);
    return {
      at: Date.now(),
      head,
      stake: info?.stake,
      unbondingEndsAt: info?.unbondingEndsAt,
      active,
      dependencies: { rpc, gateway: gatewayStatus, inference: inferenceStatus },
    };
  }
}

async function timed(timeoutMs: number, name: string, probe: () => Promise<void>): Promise<DependencyStatus> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name}: no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = (error as Error & { shortMessage?: string }).shortMessage ?? (error as Error).message;
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
