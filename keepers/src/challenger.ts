import { sortSignatures } from "@payable-ai/sdk";
import type { Logger } from "pino";
import type { Address, Hex } from "viem";
import type { KeeperChain } from "./chain.js";
import type { KeeperMetrics } from "./metrics.js";
import { type ReportJson, reportFromJson, type SignedBy } from "./protocol.js";
import type { KeeperStateStore, RequestRecord, SignedReportRecord } from "./stateStore.js";

/** Most distinct reports of others kept per request for equivocation checks. */
const MAX_SEEN_REPORTS = 16;

export type ChallengerOptions = {
  chain: Pick<
    KeeperChain,
    "contracts" | "getRequest" | "latestBlock" | "reportSigners" | "challenge" | "proveEquivocation"
  >;
  state: KeeperStateStore;
  metrics: KeeperMetrics;
  logger: Logger;
};

/**
 * Watches for equivocation: a keeper that signed two different reports of one round of a request.
 * The evidence is what the keeper holds in its state (its own signed report, the reports peers
 * asked it to co-sign); the market's `challenge` voids an accepted report while its window is open,
 * the report court's `proveEquivocation` punishes every other pair.
 */
export class Challenger {
  constructor(readonly options: ChallengerOptions) {}

  /** Everything the evidence held for `requestId` allows now: a challenge, then court proofs. */
  async review(requestId: bigint): Promise<void> {
    await this.challenge(requestId);
    await this.prove(requestId);
  }

  /**
   * Challenges every held report for `requestId` that differs from the accepted one and is
   * signed by one of the accepted report's signers, while the challenge window is open.
   */
  async challenge(requestId: bigint): Promise<void> {
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
        this.options.logger.warn(
          { requestId: String(requestId), voided: onchain.reportDigest, conflicting: seen.digest, slashed },
          "equivocation challenged",
        );
        return;
      } catch (error) {
        metrics.errors.inc({ stage: "challenge" });
        this.options.logger.warn({ requestId: String(requestId), err: error }, "challenge failed");
      }
    }
  }

  /**
   * Proves at the report court every equivocation this keeper holds evidence of that a challenge
   * can no longer use: two different reports of an earlier round (or of a request no longer
   * reported) signed by one keeper. An equivocator that voids its report first with a challenge
   * of its own therefore stays punishable. Each (signer, round) is proven once.
   */
  async prove(requestId: bigint): Promise<void> {
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
            this.options.logger.warn(
              { requestId: String(requestId), round, keeper: signer, slashed: String(slashed) },
              "equivocation proven at the court",
            );
          } catch (error) {
            metrics.errors.inc({ stage: "challenge" });
            this.options.logger.warn(
              { requestId: String(requestId), err: error },
              "equivocation proof failed",
            );
          }
        }
      }
    }
  }
}

/** Moves a voided round's signed report to the evidence kept for equivocation proofs. */
export function retire(record: RequestRecord, signed: SignedReportRecord): void {
  if (!record.seen.some((s) => s.digest === signed.digest) && record.seen.length < MAX_SEEN_REPORTS) {
    record.seen.push(signed);
  }
  record.signed = undefined;
}

/** Keeps a report signed by others as evidence, with the signatures that came with it. */
export function keepSeen(
  record: RequestRecord,
  digest: Hex,
  report: ReportJson,
  signatures: readonly SignedBy[],
): void {
  let seen = record.seen.find((s) => s.digest === digest);
  if (seen === undefined) {
    // One equivocation is enough to prove; a peer cannot grow the state without bound.
    if (record.seen.length >= MAX_SEEN_REPORTS) return;
    seen = { digest, report, signatures: {} };
    record.seen.push(seen);
  }
  for (const s of signatures) seen.signatures[s.signer.toLowerCase()] = s.signature;
}
