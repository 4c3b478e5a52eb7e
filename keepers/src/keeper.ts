import type { AttributionReport, GatewayClient } from "@payable-ai/sdk";
import PQueue from "p-queue";
import type { Logger } from "pino";
import type { Address, Hex, LocalAccount } from "viem";
import { AnswerBuilder, declineReport, isDecline, UnanswerableError } from "./answer.js";
import { type KeeperChain, revertName } from "./chain.js";
import { Challenger, retire } from "./challenger.js";
import { CoSigner } from "./cosigner.js";
import {
  decide,
  mayBeReorganised,
  type OnChainView,
  type RequestView,
  type SigningView,
  triage,
} from "./decide.js";
import { EpochSettler } from "./epochs.js";
import { AttributionExplainer, requestEventOf } from "./explain.js";
import { Finalizer } from "./finalizer.js";
import { Meter } from "./meter.js";
import type { MeteredCallStore } from "./meteredCalls.js";
import type { KeeperMetrics } from "./metrics.js";
import { reportFromJson } from "./protocol.js";
import type { InferenceClient } from "./services.js";
import {
  type KeeperStateStore,
  type RequestRecord,
  requestedFields,
  type SignedReportRecord,
} from "./stateStore.js";

export type KeeperNodeOptions = {
  chain: KeeperChain;
  account: LocalAccount;
  gateway: GatewayClient;
  inference: InferenceClient;
  state: KeeperStateStore;
  metrics: KeeperMetrics;
  logger: Logger;
  /** Base URLs of the other keepers' co-sign servers. */
  peers: readonly string[];
  pollIntervalMs?: number;
  /** Requests worked on at once. */
  concurrency?: number;
  cosignTimeoutMs?: number;
  /** Most requests per `finalize` call. */
  finalizeBatchSize?: number;
  /** Most gas one `finalize` call may need; batches are packed by each request's estimate. */
  finalizeGasBudget?: bigint;
  /** Keepers other than the executor wait this many extra seconds before finalizing. */
  finalizeGraceSeconds?: bigint;
  /**
   * Aborted when a shutdown's drain runs out: co-sign requests in flight stop, and so do the
   * gateway and inference calls of clients built with its signal.
   */
  shutdown?: AbortController;
  /** Metered calls on the UsageLedger: its address and where served calls are kept. Off without it. */
  ledger?: {
    address: Address;
    store: MeteredCallStore;
    voucherMinLifetime?: bigint;
    /** Seconds of chain time per proposal slot; 0 (the default) proposes only when asked. */
    epochSeconds?: bigint;
  };
};

/** What the watch loop last did, for health checks. */
export type KeeperLoopStatus = {
  running: boolean;
  /** When the loop last started a tick (ms since the epoch). */
  lastLoopAt: number | undefined;
  /** When a tick last completed (ms since the epoch). */
  lastTickAt: number | undefined;
  lastTickError: string | undefined;
  /** Chain head seen by the last tick. */
  head: bigint | undefined;
  /** Whether this keeper was active in the registry at the last tick. */
  active: boolean | undefined;
};

/**
 * A keeper: watches the market and does, for each request, what {@link decide} says it owes it:
 * answers the requests it is scheduled to execute and submits them once quorum-signed. It composes
 * the {@link CoSigner} (its own signatures and its peers'), the {@link Challenger} (equivocation)
 * and the {@link Finalizer} (matured reports). Every decision is re-derived from the chain and the
 * durable state on each tick, so a restart resumes where the last saved state left off.
 */
export class KeeperNode {
  readonly answers: AnswerBuilder;
  readonly explainer: AttributionExplainer;
  readonly cosigner: CoSigner;
  readonly challenger: Challenger;
  readonly finalizer: Finalizer;
  /** Serves metered calls (undefined when the deployment has no UsageLedger). */
  readonly meter: Meter | undefined;
  readonly epochs: EpochSettler | undefined;
  readonly queue: PQueue;
  readonly address: Address;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #proposing: Promise<void> | undefined;
  #inFlight = new Set<string>();
  #retryAt = new Map<string, number>();
  #stopped = false;
  #loop: KeeperLoopStatus = {
    running: false,
    lastLoopAt: undefined,
    lastTickAt: undefined,
    lastTickError: undefined,
    head: undefined,
    active: undefined,
  };
  readonly options: Required<Omit<KeeperNodeOptions, "peers" | "ledger">> & {
    peers: readonly string[];
    ledger?: KeeperNodeOptions["ledger"];
  };

  constructor(options: KeeperNodeOptions) {
    this.options = {
      pollIntervalMs: 1000,
      concurrency: 2,
      cosignTimeoutMs: 60_000,
      finalizeBatchSize: 20,
      finalizeGasBudget: 8_000_000n,
      finalizeGraceSeconds: 10n,
      shutdown: new AbortController(),
      ...(Object.fromEntries(
        Object.entries(options).filter(([, v]) => v !== undefined),
      ) as KeeperNodeOptions),
    };
    this.address = options.account.address;
    this.answers = new AnswerBuilder(options.chain, options.gateway, options.inference, options.logger);
    this.explainer = new AttributionExplainer(options.chain, this.answers, options.state);
    const { chain, account, state, metrics, logger } = this.options;
    this.challenger = new Challenger({ chain, state, metrics, logger });
    this.cosigner = new CoSigner({
      chain,
      account,
      state,
      metrics,
      logger,
      answers: this.answers,
      challenger: this.challenger,
      peers: this.options.peers,
      timeoutMs: this.options.cosignTimeoutMs,
      signal: this.options.shutdown.signal,
    });
    this.finalizer = new Finalizer({
      chain,
      metrics,
      logger,
      batchSize: this.options.finalizeBatchSize,
      gasBudget: this.options.finalizeGasBudget,
    });
    this.queue = new PQueue({ concurrency: this.options.concurrency });
    const { ledger } = options;
    if (ledger) {
      const common = {
        chain,
        ledger: ledger.address,
        answers: this.answers,
        gateway: options.gateway,
        inference: options.inference,
        store: ledger.store,
        logger,
      };
      this.meter = new Meter({
        ...common,
        keeper: this.address,
        voucherMinLifetime: ledger.voucherMinLifetime,
      });
      this.epochs = new EpochSettler({
        ...common,
        account,
        peers: this.options.peers,
        timeoutMs: this.options.cosignTimeoutMs,
        epochSeconds: ledger.epochSeconds ?? 0n,
      });
    }
  }

  get log(): Logger {
    return this.options.logger;
  }

  /** The watch loop's progress (read by the health checks). */
  get loopStatus(): Readonly<KeeperLoopStatus> {
    return this.#loop;
  }

  start(): void {
    this.#stopped = false;
    this.#loop.running = true;
    const loop = () => {
      this.#loop.lastLoopAt = Date.now();
      // An epoch proposal runs beside the ticks: it gathers and rechecks every keeper's calls.
      if (this.epochs && this.#proposing === undefined) {
        this.#proposing = this.epochs.proposeOnSchedule().finally(() => {
          this.#proposing = undefined;
        });
      }
      this.#ticking = this.tick()
        .then(() => {
          this.#loop.lastTickAt = Date.now();
          this.#loop.lastTickError = undefined;
          this.options.metrics.lastTickSeconds.set(Math.floor(this.#loop.lastTickAt / 1000));
        })
        .catch((error: unknown) => {
          this.#loop.lastTickError = (error as Error).message;
          this.options.metrics.errors.inc({ stage: "tick" });
          this.log.warn({ err: error }, "keeper tick failed; retrying");
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.options.pollIntervalMs);
        });
    };
    loop();
  }

  /**
   * Stops within `drainMs`: no new work starts, work in flight may finish until the bound, then
   * its co-sign, gateway and inference calls are aborted; the state is saved either way.
   * Returns whether everything finished before the bound.
   */
  async stop(drainMs = 15_000): Promise<{ drained: boolean }> {
    this.#stopped = true;
    this.#loop.running = false;
    clearTimeout(this.#timer);
    this.queue.clear();
    const idle = Promise.all([this.#ticking, this.#proposing, this.queue.onIdle()]).then(() => true);
    const drained = await within(idle, drainMs);
    if (!drained) {
      this.log.warn(
        { drainMs, inFlight: this.queue.pending },
        "drain bound reached; aborting work in flight",
      );
      this.options.shutdown.abort(new Error("keeper shutting down"));
      // Aborted calls reject at once; what still waits (a receipt) resumes from the saved state.
      await within(idle, 1_000);
    }
    await this.options.state.save({ force: true });
    return { drained };
  }

  /** One pass: scan new events, re-check every open request, schedule work, finalize. */
  async tick(): Promise<void> {
    const { chain, state, metrics } = this.options;
    const latest = await chain.latestBlock();
    this.#loop.head = latest.number;
    const active = await chain.isActive(this.address);
    if (active !== this.#loop.active && this.#loop.active !== undefined) {
      this.log.warn({ active }, active ? "this keeper is active again" : "this keeper is no longer active");
    }
    this.#loop.active = active;
    metrics.active.set(active ? 1 : 0);
    const from = state.nextBlock;
    if (from <= latest.number) {
      for (const event of await chain.requestEvents(from, latest.number)) {
        const requestedAt = await chain.blockTimestamp(event.blockNumber);
        const added = state.add(requestedFields(event, requestedAt));
        if (added) {
          metrics.requestsSeen.inc();
          this.log.info(
            { requestId: String(event.requestId), modelId: String(event.modelId) },
            "request seen",
          );
        }
      }
    }
    // Blocks deeper than `confirmations` are final for us; the shallower tail is scanned again.
    const safeNext = latest.number - BigInt(chain.confirmations) + 1n;
    if (safeNext > state.nextBlock) state.setNextBlock(safeNext);
    await this.#dropReorged(latest.number);
    const pruned = state.prune(latest.timestamp);
    if (pruned > 0) this.log.debug({ pruned }, "settled requests pruned from the state");
    metrics.nextBlock.set(Number(state.nextBlock));
    metrics.lagBlocks.set(Number(lagBlocks(latest.number, state.nextBlock, chain.confirmations)));
    await state.save();

    const finalizable: bigint[] = [];
    for (const record of state.all()) {
      const id = BigInt(record.requestId);
      const next = triage(record, latest.timestamp, this.address, this.options.finalizeGraceSeconds);
      if (next === "finalize") finalizable.push(id);
      else if (next === "inspect") this.#schedule(id, () => this.process(id));
    }
    if (finalizable.length > 0) {
      this.#schedule(-1n, async () => {
        await this.finalizer.finalizeMatured(finalizable);
        // Settled, or not yet settleable (another keeper was first, a dispute): each is read again.
        for (const id of finalizable) await this.process(id);
      });
    }
    metrics.queueSize.set(this.queue.size + this.queue.pending);
  }

  /** Re-reads a request on-chain and does what this keeper owes it now, step by step as {@link decide} says. */
  async process(requestId: bigint): Promise<void> {
    const { chain, state } = this.options;
    const retryAt = this.#retryAt.get(requestId.toString());
    if (retryAt !== undefined && Date.now() < retryAt) return;
    const [request, latest] = await Promise.all([chain.getRequest(requestId), chain.latestBlock()]);
    const view: OnChainView = { request };
    for (;;) {
      const record = state.get(requestId);
      if (record === undefined) return;
      const action = decide(record, view, latest.timestamp, this.address);
      switch (action.kind) {
        case "wait":
          return;
        case "record-report":
          return this.#recordReport(requestId, request, action.firstSeen);
        case "settle":
          return this.#settle(requestId, action.phase, action.ended);
        case "expire":
          return this.#expire(record, request.deadline);
        case "reopen":
          await this.#reopen(requestId, action.round);
          break;
        case "await-submission":
          if (await this.#awaitSubmission(requestId, action.tx)) return;
          break;
        case "read-schedule": {
          // The market names the executor: turns rotate over the bonded keepers from the round's opening.
          const { executor, turn } = await chain.scheduledExecutor(requestId);
          view.schedule = { executor, turn: Number(turn) };
          break;
        }
        default:
          return this.#execute(requestId, view, latest.timestamp);
      }
    }
  }

  async #recordReport(requestId: bigint, request: RequestView, firstSeen: boolean): Promise<void> {
    const { state } = this.options;
    state.update(requestId, (r) => {
      r.phase = "reported";
      r.acceptedDigest = request.reportDigest;
      r.challengeEndsAt = request.challengeEndsAt.toString();
      r.executor = request.executor;
    });
    await state.save();
    if (firstSeen) {
      this.log.info(
        { requestId: String(requestId), digest: request.reportDigest },
        "report accepted on-chain",
      );
      await this.challenger.review(requestId);
    }
  }

  async #settle(requestId: bigint, phase: "finalized" | "refunded", ended: boolean): Promise<void> {
    const { state } = this.options;
    state.update(requestId, (r) => {
      r.phase = phase;
    });
    await state.save();
    // Nothing can be challenged any more; what this keeper saw signed twice can still be proven.
    if (ended) await this.challenger.prove(requestId);
    this.log.info({ requestId: String(requestId) }, `request ${phase}`);
  }

  async #expire(record: RequestRecord, deadline: bigint): Promise<void> {
    const { state } = this.options;
    state.update(BigInt(record.requestId), (r) => {
      r.phase = "expired";
    });
    await state.save();
    this.options.metrics.expired.inc();
    this.log.warn(
      { requestId: record.requestId, requester: record.requester, deadline: String(deadline) },
      "request expired unanswered; its requester can call refund",
    );
  }

  /**
   * The accepted report was voided (challenged, or a dispute upheld) or reorganised away: the request
   * is open again, in a new round that this keeper answers afresh; what it signed for a voided round
   * can never be used again.
   */
  async #reopen(requestId: bigint, round: number): Promise<void> {
    const { state } = this.options;
    state.update(requestId, (r) => {
      if (r.signed && reportFromJson(r.signed.report).round < round) retire(r, r.signed);
      r.phase = r.signed ? "signed" : "open";
      r.acceptedDigest = undefined;
    });
    await state.save();
    // What was voided may hold equivocations only the court can punish now.
    await this.challenger.prove(requestId);
  }

  /** Waits for a submission sent before a stop; true when it landed, false (phase back to signed) when not. */
  async #awaitSubmission(requestId: bigint, tx: Hex): Promise<boolean> {
    const { chain, state } = this.options;
    try {
      await chain.confirm(tx);
      return true;
    } catch (error) {
      this.log.warn(
        { requestId: String(requestId), err: error },
        "earlier submission did not land; retrying",
      );
      state.update(requestId, (r) => {
        r.phase = "signed";
        r.submitTx = undefined;
      });
      await state.save();
      return false;
    }
  }

  /**
   * As executor: builds (or reuses) the report of the current round, collects a quorum of
   * signatures (asking the peers once) and submits it. A failure is retried with backoff.
   */
  async #execute(requestId: bigint, view: OnChainView, now: bigint): Promise<void> {
    const { state } = this.options;
    let signatures: Hex[] = [];
    let collected = false;
    try {
      for (;;) {
        const record = state.get(requestId) as RequestRecord;
        const action = decide(record, view, now, this.address);
        if (action.kind === "answer") {
          await this.#answer(record, action.round, action.turn);
        } else if (action.kind === "weigh-signatures") {
          ({ signing: view.signing, signatures } = await this.cosigner.weigh(requestId));
        } else if (action.kind === "collect") {
          const signing = view.signing as SigningView;
          if (collected) {
            throw new Error(
              `signatures of ${signing.count} active keepers holding ${signing.stake} stake; the report needs ${signing.quorum} holding ${signing.quorumStake}`,
            );
          }
          await this.cosigner.collect(requestId, this.#ownReport(record), signing.quorum);
          collected = true;
          view.signing = undefined;
        } else {
          if (action.kind === "submit") await this.#submit(record, signatures);
          break;
        }
      }
      this.#retryAt.delete(requestId.toString());
      const held = state.get(requestId);
      if (
        held?.unanswerable !== undefined &&
        !(held.signed && isDecline(reportFromJson(held.signed.report)))
      ) {
        state.update(requestId, (r) => {
          r.unanswerable = undefined;
        });
        await state.save();
      }
    } catch (error) {
      const attempts = (state.get(requestId)?.attempts ?? 0) + 1;
      state.update(requestId, (r) => {
        r.attempts = attempts;
        r.lastError = (error as Error).message;
        r.unanswerable =
          error instanceof UnanswerableError ? { reason: (error as Error).message } : r.unanswerable;
      });
      await state.save();
      const delay = Math.min(60_000, 500 * 2 ** Math.min(attempts, 7));
      this.#retryAt.set(requestId.toString(), Date.now() + delay);
      this.options.metrics.errors.inc({
        stage: error instanceof UnanswerableError ? "unanswerable" : "execute",
      });
      this.log.warn(
        { requestId: String(requestId), attempts, retryInMs: delay, err: error },
        "execution failed",
      );
    }
  }

  /**
   * The executor is not signed: whoever the schedule names submits the answer the quorum signed, so a keeper
   * whose turn comes after it co-signed another executor's report delivers that same report in its own name.
   */
  #ownReport(record: RequestRecord): AttributionReport {
    return { ...reportFromJson((record.signed as SignedReportRecord).report), executor: this.address };
  }

  /** Builds the answer of `round` (or a decline, when every keeper finds it unanswerable) and signs it. */
  async #answer(record: RequestRecord, round: number, turn: number): Promise<void> {
    const { state, metrics } = this.options;
    const requestId = BigInt(record.requestId);
    const started = performance.now();
    const request = requestEventOf(record);
    let report: AttributionReport;
    try {
      const context = await this.answers.context(request);
      ({ report } = await this.answers.answer(context, this.address, round));
    } catch (error) {
      if (!(error instanceof UnanswerableError && error.declinable)) throw error;
      // Every keeper finds the same: decline it, so the requester is refunded without waiting for the deadline.
      report = declineReport(request, this.address, error.message, round);
      state.update(requestId, (r) => {
        r.unanswerable = { reason: error.message };
      });
      metrics.errors.inc({ stage: "unanswerable" });
      this.log.warn(
        { requestId: String(requestId), reason: error.message },
        "request unanswerable: declining it",
      );
    }
    metrics.answerSeconds.observe((performance.now() - started) / 1000);
    const signed = await this.cosigner.signOnce(requestId, report, []);
    this.log.info(
      {
        requestId: String(requestId),
        round,
        turn,
        digest: signed.digest,
        attributions: report.attributions.length,
      },
      "report built and signed",
    );
  }

  /** Submits this keeper's report with `signatures` (ascending by signer), unless another report landed first. */
  async #submit(record: RequestRecord, signatures: Hex[]): Promise<void> {
    const { chain, state, metrics } = this.options;
    const requestId = BigInt(record.requestId);
    const report = this.#ownReport(record);
    const onchain = await chain.getRequest(requestId);
    if (onchain.statusName !== "open") return; // someone else's report landed meanwhile
    // A transaction sent just before a crash may still be pending: never send a second one.
    if (await chain.hasPendingTransactions()) {
      throw new Error("a transaction of this keeper is still pending; submitting after it is mined");
    }
    try {
      state.update(requestId, (r) => {
        r.phase = "submitting";
      });
      await state.save();
      await chain.submitReport(report, signatures, async (hash) => {
        state.update(requestId, (r) => {
          r.submitTx = hash;
        });
        await state.save();
      });
      metrics.reportsSubmitted.inc();
      this.log.info(
        { requestId: String(requestId), signers: signatures.length },
        "report submitted and confirmed",
      );
    } catch (error) {
      state.update(requestId, (r) => {
        r.phase = "signed";
        r.submitTx = undefined;
      });
      await state.save();
      if (revertName(error) === "MarketRequestNotOpen") return;
      throw error;
    }
  }

  /** Requests whose event block is no longer canonical are forgotten and rescanned. */
  async #dropReorged(latest: bigint): Promise<void> {
    const { chain, state } = this.options;
    const horizon = latest - BigInt(Math.max(chain.confirmations, 1)) * 4n;
    for (const record of state.all()) {
      if (!mayBeReorganised(record, horizon)) continue;
      const hash = await chain.blockHash(BigInt(record.blockNumber));
      if (hash === record.blockHash) continue;
      this.log.warn(
        { requestId: record.requestId, block: record.blockNumber },
        "request block reorganised; rescanning",
      );
      state.remove(BigInt(record.requestId));
      if (BigInt(record.blockNumber) < state.nextBlock) state.setNextBlock(BigInt(record.blockNumber));
    }
  }

  #schedule(id: bigint, task: () => Promise<void>): void {
    const key = id.toString();
    if (this.#inFlight.has(key) || this.#stopped) return;
    this.#inFlight.add(key);
    void this.queue
      .add(task)
      .catch((error: unknown) => {
        this.options.metrics.errors.inc({ stage: "task" });
        this.log.warn({ requestId: key, err: error }, "task failed");
      })
      .finally(() => this.#inFlight.delete(key));
  }
}

/** Blocks the chain head is ahead of what the keeper has scanned as final (0 when caught up). */
export function lagBlocks(head: bigint, nextBlock: bigint, confirmations: number): bigint {
  const lag = head - BigInt(confirmations) + 1n - nextBlock;
  return lag > 0n ? lag : 0n;
}

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), bound]);
  } finally {
    clearTimeout(timer);
  }
}
