import {
  type AttributionReport,
  attributionReportTypes,
  hashAttributionReport,
  inferenceMarketDomain,
  signAttributionReport,
  sortSignatures,
} from "@payable-ai/sdk";
import PQueue from "p-queue";
import type { Logger } from "pino";
import {
  type Address,
  getAddress,
  type Hex,
  isAddressEqual,
  type LocalAccount,
  recoverTypedDataAddress,
} from "viem";
import { AnswerBuilder, declineReport, isDecline, UnanswerableError } from "./answer.js";
import { type KeeperChain, type RequestEvent, revertName } from "./chain.js";
import {
  decide,
  mayBeReorganised,
  type OnChainView,
  type RequestView,
  type SigningView,
  triage,
} from "./decide.js";
import { AttributionExplainer, requestEventOf } from "./explain.js";
import type { KeeperMetrics } from "./metrics.js";
import { reportFromJson, reportToJson, type SignedBy } from "./protocol.js";
import type { GatewayClient, InferenceClient } from "./services.js";
import type { KeeperStateStore, RequestRecord, SignedReportRecord } from "./stateStore.js";

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

export type CosignResult =
  | { status: 200; body: SignedBy }
  | {
      status: 400 | 403 | 404 | 409 | 422 | 503;
      body: { error: { code: string; message: string }; signed?: unknown };
    };

/** Most distinct reports of others kept per request for equivocation checks. */
const MAX_SEEN_REPORTS = 16;

/**
 * A keeper: watches the market, answers the requests it is scheduled to execute, co-signs
 * peers' reports after recomputing them, submits quorum-signed reports, finalizes matured
 * ones and challenges equivocation. Every decision is re-derived from the chain and the
 * durable state on each tick, so a restart resumes where the last saved state left off.
 */
export class KeeperNode {
  readonly answers: AnswerBuilder;
  readonly explainer: AttributionExplainer;
  readonly queue: PQueue;
  readonly address: Address;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #inFlight = new Set<string>();
  #locks = new Map<string, Promise<unknown>>();
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
  readonly options: Required<Omit<KeeperNodeOptions, "peers">> & { peers: readonly string[] };

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
    this.queue = new PQueue({ concurrency: this.options.concurrency });
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
    const idle = Promise.all([this.#ticking, this.queue.onIdle()]).then(() => true);
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
    if (finalizable.length > 0) this.#schedule(-1n, () => this.finalizeMatured(finalizable));
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
      await this.checkEquivocation(requestId);
      await this.proveEquivocations(requestId);
    }
  }

  async #settle(requestId: bigint, phase: "finalized" | "refunded", ended: boolean): Promise<void> {
    const { state } = this.options;
    state.update(requestId, (r) => {
      r.phase = phase;
    });
    await state.save();
    // Nothing can be challenged any more; what this keeper saw signed twice can still be proven.
    if (ended) await this.proveEquivocations(requestId);
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
    await this.proveEquivocations(requestId);
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
          const power = await this.#signingPower(record.signed?.signatures ?? {});
          const needed = await this.options.chain.signingQuorum();
          view.signing = {
            count: power.count,
            stake: power.stake,
            quorum: needed.quorum,
            quorumStake: needed.stake,
          };
          signatures = power.signatures;
        } else if (action.kind === "collect") {
          const signing = view.signing as SigningView;
          if (collected) {
            throw new Error(
              `signatures of ${signing.count} active keepers holding ${signing.stake} stake; the report needs ${signing.quorum} holding ${signing.quorumStake}`,
            );
          }
          await this.#collect(requestId, this.#ownReport(record), signing.quorum);
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
    const signed = await this.#signOnce(requestId, report, []);
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

  /**
   * The sign-once rule: the first report this keeper signs for a request is the only one it
   * will ever sign for it. Returns the record actually held (an earlier one wins).
   */
  async #signOnce(requestId: bigint, report: AttributionReport, others: readonly SignedBy[]) {
    return this.#withLock(requestId, async () => {
      const { state, chain, account } = this.options;
      const existing = state.get(requestId)?.signed;
      const digest = hashAttributionReport({
        chainId: chain.chainId,
        market: chain.contracts.InferenceMarket,
        report,
      });
      if (existing !== undefined) {
        if (existing.digest === digest) {
          state.update(requestId, (r) => {
            for (const o of others)
              (r.signed as SignedReportRecord).signatures[o.signer.toLowerCase()] = o.signature;
          });
          await state.save();
        }
        return state.get(requestId)?.signed as SignedReportRecord;
      }
      const { signature } = await signAttributionReport(account, {
        chainId: chain.chainId,
        market: chain.contracts.InferenceMarket,
        report,
      });
      const signatures: Record<string, Hex> = {};
      for (const o of others) signatures[o.signer.toLowerCase()] = o.signature;
      signatures[this.address.toLowerCase()] = signature;
      state.update(requestId, (r) => {
        r.signed = { digest, report: reportToJson(report), signatures };
        if (r.phase === "open") r.phase = "signed";
      });
      // On disk before the signature leaves this process.
      await state.save();
      return state.get(requestId)?.signed as SignedReportRecord;
    });
  }

  /** Signatures of active keepers, ascending by signer as the market wants them, and the stake they hold. */
  async #signingPower(signatures: Record<string, Hex>) {
    const { chain } = this.options;
    const stakes = await Promise.all(
      Object.keys(signatures).map(
        async (signer) => [signer, await chain.activeStakeOf(getAddress(signer))] as const,
      ),
    );
    const active = stakes.filter(([, stake]) => stake > 0n);
    return {
      count: active.length,
      stake: active.reduce((sum, [, stake]) => sum + stake, 0n),
      signatures: sortSignatures(
        active.map(([signer]) => ({ signer: signer as Address, signature: signatures[signer] as Hex })),
      ),
    };
  }

  async #collect(requestId: bigint, report: AttributionReport, quorum: number): Promise<void> {
    const { state } = this.options;
    const held = () => state.get(requestId)?.signed?.signatures ?? {};
    const body = JSON.stringify({
      report: reportToJson(report),
      signatures: Object.entries(held()).map(([signer, signature]) => ({ signer, signature })),
    });
    const results = await Promise.allSettled(
      this.options.peers.map(async (peer) => {
        const response = await fetch(`${peer}/cosign`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.any([
            AbortSignal.timeout(this.options.cosignTimeoutMs),
            this.options.shutdown.signal,
          ]),
        });
        const json = (await response.json()) as unknown;
        if (!response.ok) throw new Error(`${peer} refused: ${JSON.stringify(json)}`);
        const { signer, signature } = json as SignedBy;
        const recovered = await this.#recover(report, signature);
        if (!isAddressEqual(recovered, signer))
          throw new Error(`${peer} returned a signature of ${recovered}`);
        return { signer: getAddress(signer), signature };
      }),
    );
    const collected: SignedBy[] = [];
    for (const [i, result] of results.entries()) {
      if (result.status === "fulfilled") collected.push(result.value);
      else this.log.warn({ peer: this.options.peers[i], err: result.reason }, "peer did not co-sign");
    }
    await this.#signOnce(requestId, report, collected);
    this.log.info(
      { requestId: String(requestId), held: Object.keys(held()).length, quorum },
      "co-signatures collected",
    );
  }

  /**
   * A peer asks this keeper to co-sign `report`. The report must carry its executor's valid
   * signature; this keeper recomputes the attribution from the stored output and signs only an
   * identical report, and only if it never signed a different one for the request. Every
   * signed report seen is kept: a conflict with the accepted report is challenged.
   */
  async cosign(report: AttributionReport, provided: readonly SignedBy[]): Promise<CosignResult> {
    const { chain, state, metrics } = this.options;
    const requestId = report.requestId;
    const verified: SignedBy[] = [];
    for (const s of provided) {
      try {
        const recovered = await this.#recover(report, s.signature);
        if (isAddressEqual(recovered, s.signer))
          verified.push({ signer: getAddress(s.signer), signature: s.signature });
      } catch {}
    }
    if (!verified.some((s) => isAddressEqual(s.signer, report.executor))) {
      metrics.cosign.inc({ result: "bad_signature" });
      return refusal(
        400,
        "executor_signature_missing",
        "the report must carry a valid signature of its executor",
      );
    }
    if (!(await chain.isActive(report.executor))) {
      metrics.cosign.inc({ result: "inactive_executor" });
      return refusal(403, "executor_inactive", `executor ${report.executor} is not an active keeper`);
    }
    const record = await this.#recordFor(requestId);
    if (record === undefined) {
      metrics.cosign.inc({ result: "unknown_request" });
      return refusal(404, "request_not_found", `request ${requestId} was never made`);
    }
    await this.#remember(requestId, report, verified);
    await this.checkEquivocation(requestId);
    await this.proveEquivocations(requestId);

    const onchain = await chain.getRequest(requestId);
    if (onchain.statusName !== "open") {
      metrics.cosign.inc({ result: "not_open" });
      return refusal(409, "request_not_open", `request ${requestId} is not open (${onchain.statusName})`);
    }
    if (report.round !== Number(onchain.round)) {
      metrics.cosign.inc({ result: "wrong_round" });
      return refusal(
        409,
        "wrong_round",
        `request ${requestId} is in round ${onchain.round}, the report answers round ${report.round}`,
      );
    }
    await this.#forgetVoidedRounds(requestId, Number(onchain.round));
    const digest = hashAttributionReport({
      chainId: chain.chainId,
      market: chain.contracts.InferenceMarket,
      report,
    });
    const held = state.get(requestId)?.signed;
    if (held !== undefined && held.digest !== digest) {
      metrics.cosign.inc({ result: "already_signed" });
      return {
        status: 409,
        body: {
          error: {
            code: "already_signed",
            message: `this keeper already signed report ${held.digest} for request ${requestId}`,
          },
          signed: held,
        },
      };
    }
    if (held === undefined) {
      let reason: string | undefined;
      try {
        reason = await this.answers.verify(report, BigInt(record.blockNumber));
      } catch (error) {
        metrics.cosign.inc({ result: "unavailable" });
        return refusal(503, "cannot_verify", `cannot recompute the report: ${(error as Error).message}`);
      }
      if (reason !== undefined) {
        metrics.cosign.inc({ result: "mismatch" });
        this.log.warn(
          { requestId: String(requestId), executor: report.executor, reason },
          "refused to co-sign",
        );
        return refusal(422, "attribution_mismatch", reason);
      }
    }
    const signed = await this.#signOnce(requestId, report, verified);
    if (signed.digest !== digest) {
      metrics.cosign.inc({ result: "already_signed" });
      return refusal(409, "already_signed", `this keeper already signed report ${signed.digest}`);
    }
    metrics.cosign.inc({ result: "signed" });
    this.log.info({ requestId: String(requestId), executor: report.executor }, "co-signed");
    return {
      status: 200,
      body: { signer: this.address, signature: signed.signatures[this.address.toLowerCase()] as Hex },
    };
  }

  /**
   * Challenges every held report for `requestId` that differs from the accepted one and is
   * signed by one of the accepted report's signers, while the challenge window is open.
   */
  async checkEquivocation(requestId: bigint): Promise<void> {
    const { chain, state, metrics } = this.options;
    const record = state.get(requestId);
    if (record === undefined || record.seen.length === 0) return;
    const onchain = await chain.getRequest(requestId);
    if (onchain.statusName !== "reported") return;
    const now = (await chain.latestBlock()).timestamp;
    if (now >= onchain.challengeEndsAt) return;
    const signers = new Set((await chain.reportSigners(requestId)).map((s) => s.toLowerCase()));
    for (const seen of record.seen) {
      if (seen.digest === onchain.reportDigest || record.challenged.includes(seen.digest)) continue;
      // Only a report of the accepted report's round proves equivocation against it.
      if (reportFromJson(seen.report).round !== Number(onchain.round)) continue;
      const culprits = Object.keys(seen.signatures).filter((s) => signers.has(s));
      if (culprits.length === 0) continue;
      const signatures = sortSignatures(
        Object.entries(seen.signatures).map(([signer, signature]) => ({
          signer: signer as Address,
          signature,
        })),
      );
      try {
        const { slashed } = await chain.challenge(requestId, reportFromJson(seen.report), signatures);
        state.update(requestId, (r) => {
          r.challenged.push(seen.digest);
        });
        await state.save();
        metrics.challenges.inc();
        this.log.warn(
          { requestId: String(requestId), voided: onchain.reportDigest, conflicting: seen.digest, slashed },
          "equivocation challenged",
        );
        return;
      } catch (error) {
        metrics.errors.inc({ stage: "challenge" });
        this.log.warn({ requestId: String(requestId), err: error }, "challenge failed");
      }
    }
  }

  /**
   * Proves at the report court every equivocation this keeper holds evidence of that a challenge
   * can no longer use: two different reports of an earlier round (or of a request no longer
   * reported) signed by one keeper. An equivocator that voids its report first with a challenge
   * of its own therefore stays punishable. Each (signer, round) is proven once.
   */
  async proveEquivocations(requestId: bigint): Promise<void> {
    const { chain, state, metrics } = this.options;
    if (chain.contracts.ReportCourt === undefined) return;
    const record = state.get(requestId);
    if (record === undefined || record.seen.length === 0) return;
    const onchain = await chain.getRequest(requestId);
    const current = Number(onchain.round);
    const held = [...(record.signed ? [record.signed] : []), ...record.seen].map((r) => ({
      ...r,
      parsed: reportFromJson(r.report),
    }));
    for (const [i, a] of held.entries()) {
      for (const b of held.slice(i + 1)) {
        const round = a.parsed.round;
        if (a.digest === b.digest || round !== b.parsed.round) continue;
        // The current round's conflicts are the market's challenge while its report is accepted.
        if (round === current && onchain.statusName !== "finalized" && onchain.statusName !== "refunded")
          continue;
        for (const signer of Object.keys(a.signatures)) {
          const key = `${signer}:${round}`;
          const sigB = b.signatures[signer];
          if (sigB === undefined || (state.get(requestId)?.proven ?? []).includes(key)) continue;
          try {
            const slashed = await chain.proveEquivocation(
              { report: a.parsed, signature: a.signatures[signer] as Hex },
              { report: b.parsed, signature: sigB },
            );
            state.update(requestId, (r) => {
              r.proven = [...(r.proven ?? []), key];
            });
            await state.save();
            metrics.challenges.inc();
            this.log.warn(
              { requestId: String(requestId), round, keeper: signer, slashed: String(slashed) },
              "equivocation proven at the court",
            );
          } catch (error) {
            metrics.errors.inc({ stage: "challenge" });
            this.log.warn({ requestId: String(requestId), err: error }, "equivocation proof failed");
          }
        }
      }
    }
  }

  /** Finalizes reported requests whose challenge window has passed, in batches. */
  async finalizeMatured(requestIds: readonly bigint[]): Promise<void> {
    const { chain, metrics } = this.options;
    const ready: bigint[] = [];
    const now = (await chain.latestBlock()).timestamp;
    for (const id of requestIds) {
      const onchain = await chain.getRequest(id);
      if (onchain.statusName === "reported" && now > onchain.challengeEndsAt) ready.push(id);
      else await this.process(id);
    }
    // A request with many distinct payees costs millions of gas: pack batches by estimate, so a few of them
    // cannot sink a whole batch in an out-of-gas revert.
    const gas = await chain.finalizeGas(ready);
    const batches = packByGas(
      ready.map((id, i) => ({ id, gas: gas[i] })),
      this.options.finalizeGasBudget,
      this.options.finalizeBatchSize,
    );
    for (const [i, id] of ready.entries()) if (gas[i] === undefined) await this.process(id);
    for (const batch of batches) {
      try {
        const settled = await chain.finalize(batch);
        metrics.finalized.inc(settled.length);
        this.log.info({ requestIds: settled.map(String) }, "finalized");
      } catch (error) {
        // Usually another keeper finalized first; the next tick reads the new statuses.
        this.log.info(
          { requestIds: batch.map(String), reason: revertName(error) ?? (error as Error).message },
          "finalize skipped",
        );
      }
      for (const id of batch) await this.process(id);
    }
  }

  /** Drops what this keeper signed for rounds before `round`: those reports were voided. */
  async #forgetVoidedRounds(requestId: bigint, round: number): Promise<void> {
    const { state } = this.options;
    const signed = state.get(requestId)?.signed;
    if (signed === undefined || reportFromJson(signed.report).round >= round) return;
    await this.#withLock(requestId, async () => {
      state.update(requestId, (r) => {
        if (r.signed && reportFromJson(r.signed.report).round < round) retire(r, r.signed);
        if (r.phase === "signed") r.phase = "open";
      });
      await state.save();
    });
  }

  async #recordFor(requestId: bigint): Promise<RequestRecord | undefined> {
    const { chain, state } = this.options;
    const known = state.get(requestId);
    if (known !== undefined) return known;
    const event = await chain.requestEvent(requestId, 0n);
    if (event === undefined) return undefined;
    const requestedAt = await chain.blockTimestamp(event.blockNumber);
    state.add(requestedFields(event, requestedAt));
    await state.save();
    return state.get(requestId);
  }

  async #remember(requestId: bigint, report: AttributionReport, signatures: readonly SignedBy[]) {
    const { chain, state } = this.options;
    const digest = hashAttributionReport({
      chainId: chain.chainId,
      market: chain.contracts.InferenceMarket,
      report,
    });
    state.update(requestId, (r) => {
      let seen = r.seen.find((s) => s.digest === digest);
      if (seen === undefined) {
        // One equivocation is enough to prove; a peer cannot grow the state without bound.
        if (r.seen.length >= MAX_SEEN_REPORTS) return;
        seen = { digest, report: reportToJson(report), signatures: {} };
        r.seen.push(seen);
      }
      for (const s of signatures) seen.signatures[s.signer.toLowerCase()] = s.signature;
    });
    await state.save();
  }

  async #recover(report: AttributionReport, signature: Hex): Promise<Address> {
    const { chain } = this.options;
    return recoverTypedDataAddress({
      domain: inferenceMarketDomain(chain.chainId, chain.contracts.InferenceMarket),
      types: attributionReportTypes,
      primaryType: "AttributionReport",
      message: report,
      signature,
    });
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

  async #withLock<T>(id: bigint, run: () => Promise<T>): Promise<T> {
    const key = id.toString();
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(run);
    this.#locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.#locks.get(key) === next) this.#locks.delete(key);
    }
  }
}

/**
 * Splits requests into `finalize` batches of at most `maxCount` whose summed gas estimates stay
 * within `budget` (a batch shares warm storage, so the sum over-estimates it). A request over the
 * budget alone gets a batch of its own; one without an estimate (it would revert now) is left out.
 */
export function packByGas(
  items: readonly { id: bigint; gas: bigint | undefined }[],
  budget: bigint,
  maxCount: number,
): bigint[][] {
  const batches: bigint[][] = [];
  let current: bigint[] = [];
  let used = 0n;
  for (const { id, gas } of items) {
    if (gas === undefined) continue;
    if (current.length > 0 && (used + gas > budget || current.length >= maxCount)) {
      batches.push(current);
      current = [];
      used = 0n;
    }
    current.push(id);
    used += gas;
  }
  if (current.length > 0) batches.push(current);
  return batches;
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

/** Moves a voided round's signed report to the evidence kept for equivocation proofs. */
function retire(record: RequestRecord, signed: SignedReportRecord): void {
  if (!record.seen.some((s) => s.digest === signed.digest) && record.seen.length < MAX_SEEN_REPORTS) {
    record.seen.push(signed);
  }
  record.signed = undefined;
}

function refusal(status: 400 | 403 | 404 | 409 | 422 | 503, code: string, message: string): CosignResult {
  return { status, body: { error: { code, message } } };
}

/** The durable fields of a request, as its `InferenceRequested` event states them. */
function requestedFields(event: RequestEvent, requestedAt: bigint) {
  return {
    requestId: event.requestId.toString(),
    modelId: event.modelId.toString(),
    requester: event.requester,
    inputHash: event.inputHash,
    inputURI: event.inputURI,
    fee: event.fee.toString(),
    deadline: event.deadline.toString(),
    blockNumber: event.blockNumber.toString(),
    blockHash: event.blockHash,
    requestedAt: requestedAt.toString(),
  };
}
