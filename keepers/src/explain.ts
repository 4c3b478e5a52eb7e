import type { AttributionResult } from "@payable-ai/attribution";
import { blankCitations, decodeText, type TokenRange, tokenRanges } from "@payable-ai/attribution";
import type { AttributionReport, KeeperAttributionJson } from "@payable-ai/sdk";
import type { Hex } from "viem";
import { type AnswerBuilder, type AnswerContext, isDecline, UnanswerableError } from "./answer.js";
import { type KeeperChain, revertName } from "./chain.js";
import { reportFromJson, sameAnswer } from "./protocol.js";
import type { KeeperStateStore, RequestRecord } from "./stateStore.js";

export type ExplainResult =
  | { status: 200; body: KeeperAttributionJson }
  | { status: 404 | 409 | 422 | 503; body: { error: { code: string; message: string } } };

/** Explanations kept in memory; each is a few kilobytes. */
const CACHE_SIZE = 256;

/**
 * What a keeper tells about an answered request (`GET /requests/:id/attribution`): the output,
 * its attribution, the spans and the passages behind it. The output is the one the accepted
 * report names, or the one this keeper signed; everything else is rebuilt from the chain and the
 * gateway exactly as a co-signer does, so any keeper can explain any answered request.
 */
export class AttributionExplainer {
  #cache = new Map<string, KeeperAttributionJson>();

  constructor(
    readonly chain: KeeperChain,
    readonly answers: AnswerBuilder,
    readonly state: KeeperStateStore,
  ) {}

  async explain(requestId: bigint): Promise<ExplainResult> {
    const record = this.state.persisted(requestId);
    let onchain: Awaited<ReturnType<KeeperChain["getRequest"]>>;
    try {
      onchain = await this.chain.getRequest(requestId);
    } catch (error) {
      if (revertName(error) === "MarketUnknownRequest") {
        return refusal(404, "request_not_found", `request ${requestId} was never made`);
      }
      return refusal(
        503,
        "cannot_recompute",
        `cannot read request ${requestId}: ${(error as Error).message}`,
      );
    }
    let answered: { report: AttributionReport; digest: Hex; source: "chain" | "signed" } | undefined;
    if (onchain.statusName === "reported" || onchain.statusName === "finalized") {
      const fromBlock = record === undefined ? 0n : BigInt(record.blockNumber);
      const report = await this.chain.submittedReport(requestId, onchain.reportDigest, fromBlock);
      if (report === undefined) {
        return refusal(
          503,
          "cannot_recompute",
          `no ReportSubmitted event for digest ${onchain.reportDigest}`,
        );
      }
      answered = { report, digest: onchain.reportDigest, source: "chain" };
    } else if (record?.signed !== undefined) {
      answered = {
        report: reportFromJson(record.signed.report),
        digest: record.signed.digest,
        source: "signed",
      };
    }
    if (answered === undefined) {
      const why =
        onchain.statusName === "refunded"
          ? "it was refunded without a report"
          : record?.unanswerable !== undefined
            ? `it cannot be answered: ${record.unanswerable.reason}`
            : "no report was submitted yet";
      return refusal(409, "no_output", `request ${requestId} has no output: ${why}`);
    }

    if (isDecline(answered.report)) {
      const reason = answered.report.outputURI.replace(/^unanswerable:/, "");
      return refusal(
        409,
        "no_output",
        `request ${requestId} has no output: it cannot be answered: ${reason}`,
      );
    }
    const key = `${requestId}:${answered.digest}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return { status: 200, body: cached };
    let body: KeeperAttributionJson;
    try {
      const event =
        record === undefined ? await this.chain.requestEvent(requestId, 0n) : requestEventOf(record);
      if (event === undefined)
        return refusal(404, "request_not_found", `request ${requestId} was never made`);
      const context = await this.answers.context(event);
      const output = decodeText(await this.answers.gateway.getBlob(answered.report.outputHash));
      body = explainAnswer({
        context,
        output,
        report: answered.report,
        reportDigest: answered.digest,
        source: answered.source,
        attribution: this.answers.attribute(context, output),
      });
    } catch (error) {
      if (error instanceof UnanswerableError) return refusal(422, "unanswerable", error.message);
      return refusal(
        503,
        "cannot_recompute",
        `cannot recompute the attribution: ${(error as Error).message}`,
      );
    }
    if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(key, body);
    return { status: 200, body };
  }
}

/**
 * The explanation of one answer. Span places are token positions in the output as attribution
 * read it and character positions in `output`; passages are named, never quoted.
 */
export function explainAnswer(input: {
  context: AnswerContext;
  output: string;
  report: AttributionReport;
  reportDigest: Hex | null;
  source: "chain" | "signed";
  attribution: AttributionResult;
}): KeeperAttributionJson {
  const { context, output, report, attribution } = input;
  // Attribution reads the output without citation markers when it retrieved passages.
  const ranges = tokenRanges(context.bm25 === undefined ? output : blankCitations(output));
  const spans =
    ranges === undefined
      ? []
      : attribution.spans
          .filter((s) => s.contributionIds.length > 0)
          .map((s) => {
            const charStart = (ranges[s.start] as TokenRange).start;
            const charEnd = (ranges[s.end - 1] as TokenRange).end;
            return {
              text: output.slice(charStart, charEnd),
              charStart,
              charEnd,
              start: s.start,
              end: s.end,
              contributionIds: s.contributionIds.map(String),
            };
          });
  return {
    requestId: report.requestId.toString(),
    modelId: report.modelId.toString(),
    question: context.question,
    outputHash: report.outputHash,
    output,
    source: input.source,
    reportDigest: input.reportDigest,
    attributionVersion: attribution.attributionVersion,
    matchesReport: sameAnswer(report, {
      ...report,
      attributionVersion: attribution.attributionVersion,
      attributions: attribution.attributions,
    }),
    attributions: attribution.attributions.map((a) => ({
      contributionId: a.contributionId.toString(),
      weightBps: a.weightBps,
      fraction: attribution.fractions.get(a.contributionId) ?? 0,
    })),
    outputTokens: attribution.outputTokens,
    spans,
    passages: context.passages.map((p) => ({
      rank: p.rank,
      contributionId: p.contributionId.toString(),
      uri: p.uri,
      score: p.score,
    })),
  };
}

/** The request event a stored record was made from. */
export function requestEventOf(record: RequestRecord) {
  return {
    requestId: BigInt(record.requestId),
    requester: record.requester,
    modelId: BigInt(record.modelId),
    inputHash: record.inputHash,
    inputURI: record.inputURI,
    fee: BigInt(record.fee),
    deadline: BigInt(record.deadline),
    blockNumber: BigInt(record.blockNumber),
    blockHash: record.blockHash,
  };
}

function refusal(status: 404 | 409 | 422 | 503, code: string, message: string): ExplainResult {
  return { status, body: { error: { code, message } } };
}
