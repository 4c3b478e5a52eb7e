import { randomUUID } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { Logger } from "pino";
import { type LoraAdapter, MAX_MERGE_WEIGHT, mergeAdaptersLinear } from "../adapters/lora.js";
import {
  ContextLengthError,
  InvalidRequestError,
  NonFiniteLogitsError,
  QueueFullError,
  ShuttingDownError,
} from "../errors.js";
import type { NodeMetrics } from "../metrics.js";
import type { StreamDecoder, TextTokenizer } from "../model/tokenizer.js";
import { type FinishReason, Generation } from "./generation.js";
import { concatCaches, emptyCache, type KvCache, selectRows } from "./kvCache.js";
import { type LlamaSession, lastLogits } from "./llamaSession.js";
import { LoraBank } from "./loraBank.js";
import { allFinite, createRng, type SamplingParams, sampleToken } from "./sampling.js";
import { SlotTable } from "./slotTable.js";

/** Which weights a request runs on. */
export type AdapterSpec =
  | { kind: "base" }
  /** `sha256`: the blob the registry names now (a repointed id gets its new weights and slot). */
  | { kind: "adapter"; id: string; sha256?: string }
  /** Linear merge: Σ weightᵢ · adapterᵢ, served as one composite adapter. */
  | { kind: "merge"; parts: { id: string; weight: number; sha256?: string }[] };

export interface GenerationRequest {
  id?: string;
  adapter: AdapterSpec;
  /** Prompt token ids (including BOS). */
  prompt: number[];
  sampling: SamplingParams;
  maxTokens: number;
  stop?: string[];
  /** Keep generating past EOS (benchmarks need a fixed number of tokens per request). */
  ignoreEos?: boolean;
  signal?: AbortSignal;
}

export interface AdapterProvider {
  get(id: string, sha256?: string): Promise<LoraAdapter>;
}

export interface SchedulerOptions {
  session: LlamaSession;
  tokenizer: TextTokenizer;
  adapters: AdapterProvider;
  /** Rows decoded together (default 32). */
  maxBatch?: number;
  /** Requests waiting to join before new ones get 429 (default 256). */
  maxQueue?: number;
  /** `Retry-After` of a 429 (default 1 s). */
  retryAfterSeconds?: number;
  /** Rank of the slot bank; adapters and merges above it are refused (default 16). */
  bankRank?: number;
  /**
   * Padded prompt tokens prefilled in one pass (rows × longest prompt, default 4096); bounds the
   * memory and latency of one prefill. A single longer prompt is still admitted alone.
   */
  maxPrefillTokens?: number;
  /** Bank slots including slot 0 (default 2 × maxBatch + 1, so idle slots keep recent adapters hot). */
  bankSlots?: number;
  metrics?: NodeMetrics;
  logger?: Logger;
}

interface Pending {
  request: GenerationRequest;
  generation: Generation;
  state: "loading" | "ready" | "failed";
  adapter: LoraAdapter | null;
  key: string | null;
}

interface Row {
  request: GenerationRequest;
  generation: Generation;
  slot: number;
  key: string | null;
  rng: () => number;
  decoder: StreamDecoder;
  stops: string[];
  longestStop: number;
  lastToken: number;
  position: number;
  completionTokens: number;
  text: string;
  emitted: number;
  finished: boolean;
}

/**
 * Continuous batching over one session: rows with different adapters share each forward pass
 * through per-row bank slots; new requests are prefilled and join the running batch between decode
 * steps; finished or cancelled rows leave it.
 */
export class Scheduler {
  readonly maxBatch: number;
  readonly maxQueue: number;
  readonly bank: LoraBank | null;
  readonly slots: SlotTable | null;
  private waiting: Pending[] = [];
  private rows: Row[] = [];
  private cache: KvCache;
  private wakeLoop: (() => void) | null = null;
  private loopRunning = false;
  private stopped = false;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private loopDone: Promise<void> = Promise.resolve();
  /** Completed decode steps, and tokens produced, since start. */
  steps = 0;
  tokensGenerated = 0;

  constructor(private readonly options: SchedulerOptions) {
    this.maxBatch = options.maxBatch ?? 32;
    this.maxQueue = options.maxQueue ?? 256;
    const { session } = options;
    this.bank = session.hasLora
      ? new LoraBank(session.modules, options.bankSlots ?? 2 * this.maxBatch + 1, options.bankRank ?? 16)
      : null;
    this.slots = this.bank ? new SlotTable(this.bank) : null;
    this.cache = emptyCache(session.config, 0);
  }

  get activeRows(): number {
    return this.rows.length;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** False once a drain or stop began: new requests are refused with ShuttingDownError. */
  get accepting(): boolean {
    return !this.draining && !this.stopped;
  }

  /**
   * Queues a request; throws QueueFullError / ContextLengthError / InvalidRequestError /
   * ShuttingDownError at once.
   */
  submit(request: GenerationRequest): Generation {
    if (!this.accepting) throw new ShuttingDownError();
    const { config } = this.options.session;
    if (request.prompt.length === 0) throw new InvalidRequestError("the prompt is empty", "prompt");
    if (!Number.isInteger(request.maxTokens) || request.maxTokens < 1) {
      throw new InvalidRequestError("max_tokens must be a positive integer", "max_tokens");
    }
    if (request.prompt.length + request.maxTokens > config.maxPositions) {
      throw new ContextLengthError(
        `prompt (${request.prompt.length} tokens) plus max_tokens (${request.maxTokens}) exceeds the context of ${config.maxPositions} tokens`,
        "prompt",
      );
    }
    if (request.adapter.kind !== "base" && !this.bank) {
      throw new InvalidRequestError('this model has no LoRA inputs; only "base" can be served', "model");
    }
    if (this.waiting.length >= this.maxQueue) {
      throw new QueueFullError(this.maxQueue, this.options.retryAfterSeconds ?? 1);
    }
    if (request.adapter.kind === "merge") {
      for (const { weight } of request.adapter.parts) {
        if (!(Math.abs(weight) <= MAX_MERGE_WEIGHT)) {
          throw new InvalidRequestError(
            `merge weight ${weight} is outside [-${MAX_MERGE_WEIGHT}, ${MAX_MERGE_WEIGHT}]`,
            "merged_adapters.weights",
          );
        }
      }
    }

    const generation = new Generation(request.id ?? randomUUID(), request.prompt.length);
    const pending: Pending = { request, generation, state: "loading", adapter: null, key: null };
    this.waiting.push(pending);
    this.options.metrics?.queueDepth.set(this.waiting.length);
    request.signal?.addEventListener("abort", () => this.wake(), { once: true });

    this.resolveAdapter(request.adapter).then(
      ({ adapter, key }) => {
        pending.adapter = adapter;
        pending.key = key;
        pending.state = "ready";
        generation.markReady();
        this.wake();
      },
      (error: unknown) => {
        pending.state = "failed";
        generation.fail(error);
        this.wake();
      },
    );
    this.ensureLoop();
    return generation;
  }

  private async resolveAdapter(
    spec: AdapterSpec,
  ): Promise<{ adapter: LoraAdapter | null; key: string | null }> {
    const bankRank = this.bank?.rank ?? 0;
    switch (spec.kind) {
      case "base":
        return { adapter: null, key: null };
      case "adapter": {
        const adapter = await this.options.adapters.get(spec.id, spec.sha256);
        if (adapter.rank > bankRank) {
          throw new InvalidRequestError(
            `adapter ${spec.id} has rank ${adapter.rank}, above the node's bank rank ${bankRank}`,
          );
        }
        return { adapter, key: `adapter:${spec.id}:${adapter.sha256 ?? ""}` };
      }
      case "merge": {
        if (spec.parts.length === 0) throw new InvalidRequestError("a merge needs at least one adapter");
        const adapters = await Promise.all(spec.parts.map((p) => this.options.adapters.get(p.id, p.sha256)));
        const key = `merge:${JSON.stringify(spec.parts.map((p, i) => [p.id, p.weight, adapters[i]?.sha256 ?? ""]))}`;
        const merged = mergeAdaptersLinear(
          key,
          adapters.map((adapter, i) => ({ adapter, weight: (spec.parts[i] as { weight: number }).weight })),
        );
        if (merged.rank > bankRank) {
          throw new InvalidRequestError(
            `the merged adapters have total rank ${merged.rank}, above the node's bank rank ${bankRank}`,
            "merged_adapters",
          );
        }
        return { adapter: merged, key };
      }
    }
  }

  /**
   * Refuses new requests and lets the waiting and running ones finish; whatever is unfinished
   * after `timeoutMs` fails with ShuttingDownError. Resolves once the loop has stopped.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const idle =
      this.rows.length === 0 && this.waiting.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    await Promise.race([idle, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    await this.stop();
  }

  /** Stops the loop; every waiting or running request fails with ShuttingDownError (503). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loopDone;
    const error = () => new ShuttingDownError("the node shut down before this request finished");
    for (const p of this.waiting) p.generation.fail(error());
    for (const row of this.rows) row.generation.fail(error());
    this.waiting = [];
    this.rows = [];
    this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = null;
    wake?.();
  }

  private ensureLoop(): void {
    if (this.loopRunning || this.stopped) return;
    this.loopRunning = true;
    this.loopDone = this.loop().finally(() => {
      this.loopRunning = false;
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.dropCancelled();
      const admitted = this.admit();
      try {
        if (admitted.length > 0) await this.prefill(admitted);
        if (this.rows.length > 0) await this.decode();
      } catch (error) {
        this.options.logger?.error({ err: error }, "forward pass failed; failing the running batch");
        for (const row of [...this.rows, ...admitted]) this.finishRow(row, null, error);
        this.rows = [];
        this.cache = emptyCache(this.options.session.config, 0);
      }
      this.options.metrics?.batchRows.set(this.rows.length);
      this.options.metrics?.queueDepth.set(this.waiting.length);
      if (this.rows.length === 0 && this.waiting.length === 0) this.notifyIdle();
      if (this.stopped) break;
      if (
        this.rows.length === 0 &&
        !this.waiting.some((p) => p.state !== "loading" || p.request.signal?.aborted)
      ) {
        // Idle or only waiting on adapter loads: park until a submission or a finished load wakes us.
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
        });
      } else {
        // Let HTTP handlers and adapter loads run between steps.
        await yieldToEventLoop();
      }
    }
  }

  private dropCancelled(): void {
    this.waiting = this.waiting.filter((p) => {
      if (p.state === "failed") return false;
      if (p.request.signal?.aborted) {
        p.generation.finish("abort", 0);
        this.options.metrics?.requests.inc({ reason: "abort" });
        return false;
      }
      return true;
    });
    for (const row of this.rows) {
      if (!row.finished && row.request.signal?.aborted) this.finishRow(row, "abort");
    }
    this.compact();
  }

  private admit(): Row[] {
    const admitted: Row[] = [];
    const remaining: Pending[] = [];
    const prefillBudget = this.options.maxPrefillTokens ?? 4096;
    let longest = 0;
    for (const pending of this.waiting) {
      const length = Math.max(longest, pending.request.prompt.length);
      if (
        pending.state !== "ready" ||
        this.rows.length + admitted.length >= this.maxBatch ||
        (admitted.length > 0 && (admitted.length + 1) * length > prefillBudget)
      ) {
        remaining.push(pending);
        continue;
      }
      let slot = 0;
      if (pending.adapter && pending.key && this.slots) {
        try {
          const acquired = this.slots.acquire(pending.key, pending.adapter);
          if (acquired === null) {
            remaining.push(pending);
            continue;
          }
          slot = acquired;
        } catch (error) {
          pending.generation.fail(new InvalidRequestError((error as Error).message));
          continue;
        }
      }
      longest = length;
      const stops = (pending.request.stop ?? []).filter((s) => s.length > 0);
      admitted.push({
        request: pending.request,
        generation: pending.generation,
        slot,
        key: pending.key,
        rng: createRng(pending.request.sampling.seed),
        decoder: this.options.tokenizer.createDecoder(),
        stops,
        longestStop: Math.max(0, ...stops.map((s) => s.length)),
        lastToken: 0,
        position: pending.request.prompt.length,
        completionTokens: 0,
        text: "",
        emitted: 0,
        finished: false,
      });
    }
    this.waiting = remaining;
    return admitted;
  }

  private async prefill(admitted: Row[]): Promise<void> {
    const { session } = this.options;
    const started = performance.now();
    const result = await session.forward({
      cache: emptyCache(session.config, admitted.length),
      tokens: admitted.map((row) => row.request.prompt),
      positions: admitted.map(() => 0),
      ...this.loraFeeds(admitted),
    });
    this.options.metrics?.stepSeconds.observe({ phase: "prefill" }, (performance.now() - started) / 1000);
    this.options.metrics?.promptTokens.inc(admitted.reduce((n, row) => n + row.request.prompt.length, 0));
    const logits = lastLogits(result, session.config.vocabSize);
    admitted.forEach((row, i) => {
      this.acceptToken(row, logits[i] as Float32Array);
    });
    const keep = admitted.flatMap((row, i) => (row.finished ? [] : [i]));
    const joined =
      keep.length === admitted.length ? result.cache : selectRows(session.config, result.cache, keep);
    this.cache = concatCaches(session.config, this.cache, joined);
    this.rows.push(...keep.map((i) => admitted[i] as Row));
  }

  private async decode(): Promise<void> {
    const { session } = this.options;
    const started = performance.now();
    const result = await session.forward({
      cache: this.cache,
      tokens: this.rows.map((row) => [row.lastToken]),
      positions: this.rows.map((row) => row.position),
      ...this.loraFeeds(this.rows),
    });
    this.options.metrics?.stepSeconds.observe({ phase: "decode" }, (performance.now() - started) / 1000);
    this.cache = result.cache;
    this.steps += 1;
    const logits = lastLogits(result, session.config.vocabSize);
    this.rows.forEach((row, i) => {
      row.position += 1;
      if (!row.finished) this.acceptToken(row, logits[i] as Float32Array);
    });
    this.compact();
  }

  /**
   * Slots and bank for a forward pass. A batch with no adapter at all gets the session's one-slot
   * rank-1 zero bank, so base-model traffic does not pay for gathering full-rank zeros.
   */
  private loraFeeds(rows: Row[]): { slots?: number[]; bank?: LoraBank } {
    if (!this.bank || rows.every((row) => row.slot === 0)) return {};
    return { slots: rows.map((row) => row.slot), bank: this.bank };
  }

  /** Removes finished rows from the batch and the cache. */
  private compact(): void {
    if (!this.rows.some((row) => row.finished)) return;
    const keep = this.rows.flatMap((row, i) => (row.finished ? [] : [i]));
    this.cache = selectRows(this.options.session.config, this.cache, keep);
    this.rows = keep.map((i) => this.rows[i] as Row);
  }

  private acceptToken(row: Row, logits: Float32Array): void {
    if (!allFinite(logits)) {
      // Overflowing adapter weights (or a broken model) give NaN/Infinity: sampling them is garbage.
      this.options.logger?.error(
        { requestId: row.generation.id, adapter: row.key, position: row.position },
        "non-finite logits; failing the request",
      );
      this.finishRow(row, null, new NonFiniteLogitsError());
      return;
    }
    const token = sampleToken(logits, row.request.sampling, row.rng);
    row.lastToken = token;
    row.completionTokens += 1;
    this.tokensGenerated += 1;
    this.options.metrics?.generatedTokens.inc();
    if (this.options.tokenizer.eosIds.has(token) && !row.request.ignoreEos) {
      this.finishRow(row, "stop");
      return;
    }
    row.text += row.decoder.push(token);
    if (this.emitText(row, false)) this.finishRow(row, "stop", undefined, true);
    else if (row.completionTokens >= row.request.maxTokens) this.finishRow(row, "length");
  }

  /**
   * Streams the text that can no longer become part of a stop sequence. Returns true when a stop
   * sequence was found: the text is cut before it and nothing after it is sent.
   */
  private emitText(row: Row, final: boolean): boolean {
    if (row.stops.length > 0) {
      const from = Math.max(0, row.emitted - row.longestStop);
      let hit = -1;
      for (const stop of row.stops) {
        const index = row.text.indexOf(stop, from);
        if (index >= 0 && (hit < 0 || index < hit)) hit = index;
      }
      if (hit >= 0) {
        row.generation.push(row.text.slice(row.emitted, hit));
        row.text = row.text.slice(0, hit);
        row.emitted = hit;
        return true;
      }
    }
    const safe = final || row.stops.length === 0 ? row.text.length : row.text.length - (row.longestStop - 1);
    if (safe > row.emitted) {
      row.generation.push(row.text.slice(row.emitted, safe));
      row.emitted = safe;
    }
    return false;
  }

  private finishRow(row: Row, reason: FinishReason | null, error?: unknown, alreadyFlushed = false): void {
    if (row.finished) return;
    row.finished = true;
    if (row.key) this.slots?.release(row.key);
    if (error !== undefined || reason === null) {
      row.generation.fail(error);
      this.options.metrics?.requests.inc({ reason: "error" });
      return;
    }
    let finishReason = reason;
    if (!alreadyFlushed && reason !== "abort") {
      row.text += row.decoder.flush();
      if (this.emitText(row, true)) finishReason = "stop";
    }
    row.generation.finish(finishReason, row.completionTokens);
    this.options.metrics?.requests.inc({ reason: finishReason });
  }
}
