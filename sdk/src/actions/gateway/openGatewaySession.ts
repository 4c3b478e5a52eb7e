import type { Address, Hex } from "viem";
import type { DataAccessRequest } from "../../eip712.js";
import {
  type HttpRequestErrorType,
  type HttpRequestParameters,
  httpRequest,
  joinUrl,
  readJson,
} from "../../utils/http.js";
import { toJson } from "../../utils/json.js";

export type OpenGatewaySessionParameters = HttpRequestParameters & {
  /** Base URL of the data gateway. */
  url: string;
  /** A request signed with {@link signDataAccessRequest} (by a local account or an injected wallet). */
  request: DataAccessRequest;
  signature: Hex;
};
export type GatewaySession = {
  /** Bearer token for {@link downloadContribution}. */
  token: string;
  account: Address;
  datanetId: bigint;
  /** Unix seconds. */
  expiresAt: number;
  /**
   * What the session reads: `datanet` (every contribution: an approved reader, the owner, a
   * curator), `keeper` (an active keeper), `own-contributions` (a contributor's own files only).
   */
  scope: "datanet" | "keeper" | "own-contributions";
};

export type OpenGatewaySessionErrorType = HttpRequestErrorType;

/**
 * Opens a download session for one datanet (`POST /sessions`). The gateway checks the signature,
 * that the nonce is fresh, and the account's access on-chain; each nonce opens one session.
 *
 * @example
 * const signed = await signDataAccessRequest(account, { chainId, datanetRegistry, datanetId })
 * const { token } = await openGatewaySession({ url: gatewayUrl, ...signed })
 */
export async function openGatewaySession({
  url,
  request,
  signature,
  ...http
}: OpenGatewaySessionParameters): Promise<GatewaySession> {
  const sessionsUrl = joinUrl(url, "sessions");
  const response = await httpRequest(sessionsUrl, {
    ...http,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: toJson({ request, signature }),
  });
  const body = await readJson<Omit<GatewaySession, "datanetId"> & { datanetId: string }>(
    response,
    sessionsUrl,
  );
  return { ...body, datanetId: BigInt(body.datanetId) };
}
