import {
  getKeeperAttribution,
  getKeeperRequest,
  getPublicBlob,
  HttpRequestError,
  verifyKeeperAttribution,
} from "@payable-ai/sdk";
import type { Hex } from "viem";

/** Where the texts behind an indexed request are read at query time; both optional. */
export type AnswerSources = { gatewayUrl: string | undefined; keeperUrls: readonly string[] };

/** `PAYABLE_GATEWAY_URL` and `PAYABLE_KEEPER_URLS` (comma-separated). */
export function answerSourcesFromEnv(env: NodeJS.ProcessEnv = process.env): AnswerSources {
  return {
    gatewayUrl: env.PAYABLE_GATEWAY_URL?.trim() || undefined,
    keeperUrls: (env.PAYABLE_KEEPER_URLS ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter((u) => u.length > 0),
  };
}

export type AnswerJson = {
  input: string | null;
  output: string | null;
  /** The keeper whose spans and passages are shown. */
  keeper: string | null;
  outputTokens: number | null;
  spans:
    | {
        text: string;
        charStart: number;
        charEnd: number;
        start: number;
        end: number;
        contributionIds: string[];
      }[]
    | null;
  passages: { rank: number; contributionId: string; uri: string; score: number }[] | null;
  /** Share of the answer each attributed contribution explains, before rounding to basis points. */
  fractions: Record<string, number> | null;
  /**
   * Why the request cannot be answered: a keeper's reason while it is open, or the reason of the
   * quorum-signed decline (`keeper` null) once the keepers declined it.
   */
  unanswerable: { keeper: string | null; reason: string } | null;
  /** What could not be read, and why. */
  notes: string[];
};

const timeouts = { gateway: 5_000, keeper: 15_000 };

/**
 * The question, the output and the keeper's spans and passages of one request, read from the
 * gateway and the keepers, each checked as `explainRequest` checks it: the output against its
 * hash, the keeper's weights against the indexed report and its spans against the output. What
 * cannot be read is null, with a note.
 */
export async function readAnswer(
  sources: AnswerSources,
  request: { id: bigint; inputHash: Hex; status: string },
  report:
    | { outputHash: Hex; outputURI?: string; attributions: { contributionId: bigint; weightBps: number }[] }
    | undefined,
): Promise<AnswerJson> {
  const answer: AnswerJson = {
    input: null,
    output: null,
    keeper: null,
    outputTokens: null,
    spans: null,
    passages: null,
    fractions: null,
    unanswerable: null,
    notes: [],
  };
  const { gatewayUrl, keeperUrls } = sources;
  if (report !== undefined && /^0x0{64}$/.test(report.outputHash)) {
    // A decline: the keepers found the request unanswerable and the fee goes back to the requester.
    answer.unanswerable = { keeper: null, reason: (report.outputURI ?? "").replace(/^unanswerable:/, "") };
    answer.notes.push("the keepers declined this request; finalizing it refunds the requester");
    report = undefined;
  }
  if (gatewayUrl === undefined) {
    answer.notes.push("PAYABLE_GATEWAY_URL is not set: the input and output texts are not read");
  } else {
    const [input, output] = await Promise.allSettled([
      getPublicBlob({ url: gatewayUrl, hash: request.inputHash, timeoutMs: timeouts.gateway }),
      report === undefined
        ? undefined
        : getPublicBlob({ url: gatewayUrl, hash: report.outputHash, timeoutMs: timeouts.gateway }),
    ]);
    if (input.status === "fulfilled") answer.input = input.value.text;
    else answer.notes.push(`input: ${reason(input.reason)}`);
    if (output.status === "fulfilled") answer.output = output.value?.text ?? null;
    else answer.notes.push(`output: ${reason(output.reason)}`);
  }
  if (keeperUrls.length === 0) {
    answer.notes.push("PAYABLE_KEEPER_URLS is not set: the spans and passages are not read");
    return answer;
  }
  if (report === undefined) {
    if (request.status === "open") answer.unanswerable = await unanswerableReason(request.id, keeperUrls);
    return answer;
  }
  if (answer.output === null) {
    answer.notes.push("the spans are not shown without the output to check them against");
    return answer;
  }
  for (const url of keeperUrls) {
    try {
      const explained = await getKeeperAttribution({
        url,
        requestId: request.id,
        timeoutMs: timeouts.keeper,
      });
      verifyKeeperAttribution({
        keeper: explained,
        output: answer.output,
        outputHash: report.outputHash,
        attributions: report.attributions,
      });
      answer.keeper = url;
      answer.outputTokens = explained.outputTokens;
      answer.spans = explained.spans.map((s) => ({ ...s, contributionIds: s.contributionIds.map(String) }));
      answer.passages = explained.passages.map((p) => ({
        ...p,
        contributionId: p.contributionId.toString(),
      }));
      answer.fractions = Object.fromEntries(
        explained.attributions.map((a) => [a.contributionId.toString(), a.fraction]),
      );
      return answer;
    } catch (error) {
      answer.notes.push(`keeper ${url}: ${reason(error)}`);
    }
  }
  return answer;
}

/** The first keeper that says why it cannot answer the request. */
async function unanswerableReason(requestId: bigint, keeperUrls: readonly string[]) {
  const views = await Promise.allSettled(
    keeperUrls.map((url) => getKeeperRequest({ url, requestId, timeoutMs: timeouts.gateway })),
  );
  for (const [i, view] of views.entries()) {
    if (view.status === "fulfilled" && view.value.unanswerable !== undefined) {
      return { keeper: keeperUrls[i] as string, reason: view.value.unanswerable.reason };
    }
  }
  return null;
}

function reason(error: unknown): string {
  if (error instanceof HttpRequestError) {
    return error.details ? `${error.shortMessage} ${error.details}` : error.shortMessage;
  }
  if (error instanceof Error && "shortMessage" in error) return String(error.shortMessage);
  return error instanceof Error ? error.message : String(error);
}
