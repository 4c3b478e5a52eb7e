import type { Hex } from "viem";
import {
  type HttpRequestErrorType,
  type HttpRequestParameters,
  httpRequest,
  joinUrl,
  readBytes,
} from "../../utils/http.js";
import { blobText, checkBlobHash } from "./getPublicBlob.js";

export type DownloadContributionParameters = HttpRequestParameters & {
  /** Base URL of the data gateway. */
  url: string;
  /** A session's token ({@link openGatewaySession}) for `datanetId`. */
  token: string;
  datanetId: bigint;
  contributionId: bigint;
  /** The contribution's on-chain `contentHash`: checked against the bytes when given. */
  contentHash?: Hex | undefined;
};
export type DownloadContributionReturnType = {
  bytes: Uint8Array;
  /** The bytes as UTF-8, decoded as keepers do. */
  text: string;
  /** The URI the contribution was registered with. */
  uri: string | undefined;
};

export type DownloadContributionErrorType = HttpRequestErrorType;

/**
 * Downloads one contribution of a datanet with a session token. The gateway checks the
 * account's access on every download, so a revocation applies at once (403 `access_denied`).
 *
 * @example
 * const { text } = await downloadContribution({ url: gatewayUrl, token, datanetId, contributionId })
 */
export async function downloadContribution({
  url,
  token,
  datanetId,
  contributionId,
  contentHash,
  timeoutMs = 30_000,
  signal,
}: DownloadContributionParameters): Promise<DownloadContributionReturnType> {
  const contributionUrl = joinUrl(url, `datanets/${datanetId}/contributions/${contributionId}`);
  const response = await httpRequest(contributionUrl, {
    timeoutMs,
    signal,
    headers: { authorization: `Bearer ${token}` },
  });
  const bytes = await readBytes(response, contributionUrl);
  if (contentHash !== undefined) checkBlobHash(bytes, contentHash, contributionUrl);
  return { bytes, text: blobText(bytes), uri: response.headers.get("x-contribution-uri") ?? undefined };
}
