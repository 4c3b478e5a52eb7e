import type { Address, Hex } from "viem";
import {
  type HttpRequestErrorType,
  type HttpRequestParameters,
  httpGetJson,
  joinUrl,
} from "../../utils/http.js";

/** Where a request stands for one keeper (its `GET /requests/:id`). */
export type KeeperRequestPhase =
  | "open"
  | "signed"
  | "submitting"
  | "reported"
  | "finalized"
  | "refunded"
  | "expired";

/** The part of a keeper's `GET /requests/:id` body the SDK reads; integers are decimal strings. */
export type KeeperRequestJson = {
  requestId: string;
  modelId: string;
  requester: Address;
  inputHash: Hex;
  phase: KeeperRequestPhase;
  attempts: number;
  /** The last failure of this keeper's attempts to answer, if any. */
  lastError?: string | undefined;
  /** Set while the request cannot be answered as it stands (unknown adapter, empty input...). */
  unanswerable?: { reason: string } | undefined;
  executor?: Address | undefined;
  acceptedDigest?: Hex | undefined;
  challengeEndsAt?: string | undefined;
  signed?: { digest: Hex; report: { outputHash: Hex } } | undefined;
};

export type GetKeeperRequestParameters = HttpRequestParameters & {
  /** Base URL of the keeper's HTTP server. */
  url: string;
  requestId: bigint;
};
export type GetKeeperRequestReturnType = {
  requestId: bigint;
  modelId: bigint;
  phase: KeeperRequestPhase;
  attempts: number;
  lastError: string | undefined;
  /** Why the keeper cannot answer the request, when that is the reason it is still open. */
  unanswerable: { reason: string } | undefined;
  /** The digest of the report this keeper signed, if it signed one. */
  signedDigest: Hex | undefined;
  /** The output hash of that report: the answer exists on the gateway before it is on-chain. */
  outputHash: Hex | undefined;
  acceptedDigest: Hex | undefined;
  challengeEndsAt: bigint | undefined;
};

export type GetKeeperRequestErrorType = HttpRequestErrorType;

/**
 * One keeper's view of a request: its phase, its attempts, and why it could not answer it. The
 * executor scheduled for a request is the keeper that knows why it is not answered; a keeper that
 * never saw the request answers 404 (an `HttpRequestError` with code `request_not_found`).
 *
 * @example
 * const { phase, unanswerable } = await getKeeperRequest({ url: keeperUrl, requestId })
 * if (unanswerable) console.log(`not answered: ${unanswerable.reason}`)
 */
export async function getKeeperRequest({
  url,
  requestId,
  ...request
}: GetKeeperRequestParameters): Promise<GetKeeperRequestReturnType> {
  const body = await httpGetJson<KeeperRequestJson>(joinUrl(url, `requests/${requestId}`), request);
  return {
    requestId: BigInt(body.requestId),
    modelId: BigInt(body.modelId),
    phase: body.phase,
    attempts: body.attempts,
    lastError: body.lastError,
    unanswerable: body.unanswerable,
    signedDigest: body.signed?.digest,
    outputHash: body.signed?.report.outputHash,
    acceptedDigest: body.acceptedDigest,
    challengeEndsAt: body.challengeEndsAt === undefined ? undefined : BigInt(body.challengeEndsAt),
  };
}
