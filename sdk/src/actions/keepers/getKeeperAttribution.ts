import type { Hex } from "viem";
import {
  type HttpRequestErrorType,
  type HttpRequestParameters,
  httpGetJson,
  joinUrl,
} from "../../utils/http.js";

/**
 * A keeper's `GET /requests/:id/attribution` body: the answer of a request and how the Proof of
 * Attribution credited it. Integers that may exceed 2^53 are decimal strings. Datanet content is
 * never in it (it is access-controlled): passages are named by contribution and URI only, and
 * span texts are cut from the public output.
 */
export type KeeperAttributionJson = {
  requestId: string;
  modelId: string;
  /** The question: the request's public input. */
  question: string;
  outputHash: Hex;
  output: string;
  /** `chain`: the report accepted on-chain; `signed`: the report this keeper signed, not yet on-chain. */
  source: "chain" | "signed";
  reportDigest: Hex | null;
  attributionVersion: number;
  /** Whether the recomputed attributions equal the report's. */
  matchesReport: boolean;
  /** Recomputed, ascending by contribution id; `fraction` is the share of the answer before rounding. */
  attributions: { contributionId: string; weightBps: number; fraction: number }[];
  /** Attribution tokens of the output (the unit of `start`/`end`). */
  outputTokens: number;
  /**
   * Runs of the output found verbatim in training contributions: tokens `[start, end)` of the
   * output, characters `[charStart, charEnd)` of `output` (`text` is that slice).
   */
  spans: {
    text: string;
    charStart: number;
    charEnd: number;
    start: number;
    end: number;
    contributionIds: string[];
  }[];
  /** Contributions BM25 retrieved for the question, best first. */
  passages: { rank: number; contributionId: string; uri: string; score: number }[];
};

export type KeeperAttribution = {
  requestId: bigint;
  modelId: bigint;
  question: string;
  outputHash: Hex;
  output: string;
  source: "chain" | "signed";
  reportDigest: Hex | undefined;
  attributionVersion: number;
  matchesReport: boolean;
  attributions: { contributionId: bigint; weightBps: number; fraction: number }[];
  outputTokens: number;
  spans: {
    text: string;
    charStart: number;
    charEnd: number;
    start: number;
    end: number;
    contributionIds: bigint[];
  }[];
  passages: { rank: number; contributionId: bigint; uri: string; score: number }[];
};

export type GetKeeperAttributionParameters = HttpRequestParameters & {
  /** Base URL of the keeper's HTTP server. */
  url: string;
  requestId: bigint;
};
export type GetKeeperAttributionReturnType = KeeperAttribution;

export type GetKeeperAttributionErrorType = HttpRequestErrorType;

/**
 * A keeper's account of a request's answer: the output, the attributions it recomputes from the
 * chain and the gateway, the spans of the output each contribution matched and the passages
 * retrieved for the question. Nothing here is checked against the chain: {@link explainRequest}
 * does that. Without an output yet the keeper answers 409 (`HttpRequestError`, code `no_output`).
 *
 * @example
 * const { spans, passages } = await getKeeperAttribution({ url: keeperUrl, requestId })
 */
export async function getKeeperAttribution({
  url,
  requestId,
  ...request
}: GetKeeperAttributionParameters): Promise<GetKeeperAttributionReturnType> {
  const body = await httpGetJson<KeeperAttributionJson>(
    joinUrl(url, `requests/${requestId}/attribution`),
    // Recomputing an attribution the keeper has not cached takes a while.
    { ...request, timeoutMs: request.timeoutMs ?? 30_000 },
  );
  return parseKeeperAttribution(body);
}

/** A {@link KeeperAttributionJson} body with its ids as bigints. */
export function parseKeeperAttribution(body: KeeperAttributionJson): KeeperAttribution {
  return {
    ...body,
    requestId: BigInt(body.requestId),
    modelId: BigInt(body.modelId),
    reportDigest: body.reportDigest ?? undefined,
    attributions: body.attributions.map((a) => ({ ...a, contributionId: BigInt(a.contributionId) })),
    spans: body.spans.map((s) => ({ ...s, contributionIds: s.contributionIds.map((id) => BigInt(id)) })),
    passages: body.passages.map((p) => ({ ...p, contributionId: BigInt(p.contributionId) })),
  };
}
