import {
  type AttributionReport,
  attributionReportTypes,
  hashAttributionReport,
  inferenceMarketDomain,
  signAttributionReport,
  sortSignatures,
} from "@payable-ai/sdk";
import type { Logger } from "pino";
import {
  type Address,
  getAddress,
  type Hex,
  isAddressEqual,
  type LocalAccount,
  recoverTypedDataAddress,
} from "viem";
import type { AnswerBuilder } from "./answer.js";
import type { KeeperChain } from "./chain.js";
import { type Challenger, keepSeen, retire } from "./challenger.js";
import type { SigningView } from "./decide.js";
import type { KeeperMetrics } from "./metrics.js";
import { reportFromJson, reportToJson, type SignedBy } from "./protocol.js";
import {
  type KeeperStateStore,
  type RequestRecord,
  requestedFields,
  type SignedReportRecord,
} from "./stateStore.js";

export type CosignResult =
  | { status: 200; body: SignedBy }
  | {
      status: 400 | 403 | 404 | 409 | 422 | 503;
      body: { error: { code: string; message: string }; signed?: unknown };
    };

export type CoSignerOptions = {
  chain: Pick<
    KeeperChain,
    | "chainId"
    | "contracts"
    | "getRequest"
    | "isActive"
    | "requestEvent"
    | "blockTimestamp"
    | "activeStakeOf"
    | "signingQuorum"
  >;
  account: LocalAccount;
  state: KeeperStateStore;
  metrics: KeeperMetrics;
  logger: Logger;
  /** Recomputes a peer's report before this keeper signs it. */
  answers: Pick<AnswerBuilder, "verify">;
  /** Shown every report a peer asks this keeper to co-sign. */
  challenger: Pick<Challenger, "review">;
  /** Base URLs of the other keepers' co-sign servers. */
  peers: readonly string[];
  /** Each co-sign request to a peer. */
  timeoutMs: number;
  /** Aborts the co-sign requests in flight (a shutdown's drain ran out). */
  signal: AbortSignal;
};

/**
 * Both sides of co-signing. As executor a keeper signs its report once, asks its peers to co-sign
 * it and weighs what they return; as peer it signs another executor's report only after
 * recomputing it, and never two different reports for one round of a request.
 */
export class CoSigner {
  readonly address: Address;
  #locks = new Map<string, Promise<unknown>>();

  constructor(readonly options: CoSignerOptions) {
    this.address = options.account.address;
  }

  /**
   * The sign-once rule: the first report this keeper signs for a request is the only one it
   * will ever sign for it. Returns the record actually held (an earlier one wins).
   */
  async signOnce(
    requestId: bigint,
    report: AttributionReport,
    others: readonly SignedBy[],
  ): Promise<SignedReportRecord> {
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

  /**
   * The signatures held for this keeper's report of `requestId` that count: those of active keepers,
   * ascending by signer as the market wants them, weighed against what a report needs.
   */
  async weigh(requestId: bigint): Promise<{ signing: SigningView; signatures: Hex[] }> {
    const { chain, state } = this.options;
    const signatures = state.get(requestId)?.signed?.signatures ?? {};
    const [stakes, needed] = await Promise.all([
      Promise.all(
        Object.keys(signatures).map(
          async (signer) => [signer, await chain.activeStakeOf(getAddress(signer))] as const,
        ),
      ),
      chain.signingQuorum(),
    ]);
    const active = stakes.filter(([, stake]) => stake > 0n);
    return {
      signing: {
        count: active.length,
        stake: active.reduce((sum, [, stake]) => sum + stake, 0n),
        quorum: needed.quorum,
        quorumStake: needed.stake,
      },
      signatures: sortSignatures(
        active.map(([signer]) => ({ signer: signer as Address, signature: signatures[signer] as Hex })),
      ),
    };
  }

  /** Asks every peer to co-sign `report` (with the signatures held) and keeps the valid signatures returned. */
  async collect(requestId: bigint, report: AttributionReport, quorum: number): Promise<void> {
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
          signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.options.signal]),
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
      else
        this.options.logger.warn({ peer: this.options.peers[i], err: result.reason }, "peer did not co-sign");
    }
    await this.signOnce(requestId, report, collected);
    this.options.logger.info(
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
    await this.options.challenger.review(requestId);

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
        reason = await this.options.answers.verify(report, BigInt(record.blockNumber));
      } catch (error) {
        metrics.cosign.inc({ result: "unavailable" });
        return refusal(503, "cannot_verify", `cannot recompute the report: ${(error as Error).message}`);
      }
      if (reason !== undefined) {
        metrics.cosign.inc({ result: "mismatch" });
        this.options.logger.warn(
          { requestId: String(requestId), executor: report.executor, reason },
          "refused to co-sign",
        );
        return refusal(422, "attribution_mismatch", reason);
      }
    }
    const signed = await this.signOnce(requestId, report, verified);
    if (signed.digest !== digest) {
      metrics.cosign.inc({ result: "already_signed" });
      return refusal(409, "already_signed", `this keeper already signed report ${signed.digest}`);
    }
    metrics.cosign.inc({ result: "signed" });
    this.options.logger.info({ requestId: String(requestId), executor: report.executor }, "co-signed");
    return {
      status: 200,
      body: { signer: this.address, signature: signed.signatures[this.address.toLowerCase()] as Hex },
    };
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
    state.update(requestId, (r) => keepSeen(r, digest, reportToJson(report), signatures));
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

function refusal(status: 400 | 403 | 404 | 409 | 422 | 503, code: string, message: string): CosignResult {
  return { status, body: { error: { code, message } } };
}
