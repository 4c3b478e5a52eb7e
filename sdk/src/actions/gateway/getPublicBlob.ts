import { type Hex, sha256 } from "viem";
import { BaseError } from "../../errors/base.js";
import { type HttpRequestParameters, httpGet, joinUrl } from "../../utils/http.js";

export type GetPublicBlobParameters = HttpRequestParameters & {
  /** Base URL of the data gateway. */
  url: string;
  /** The blob's sha256, as the contracts store it (an input or output hash). */
  hash: Hex;
};
export type GetPublicBlobReturnType = { bytes: Uint8Array; text: string };
export type GetPublicBlobErrorType = BlobHashMismatchError;

export class BlobHashMismatchError extends BaseError {
  override name = "BlobHashMismatchError";
}

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/**
 * Downloads a public blob (a request's input, a model's output) from the data gateway and checks
 * it against the hash it was asked for. `text` is the blob as UTF-8, decoded as keepers do.
 *
 * @example
 * const { text } = await getPublicBlob({ url: gatewayUrl, hash: report.outputHash })
 */
export async function getPublicBlob({
  url,
  hash,
  ...request
}: GetPublicBlobParameters): Promise<GetPublicBlobReturnType> {
  const response = await httpGet(joinUrl(url, `blobs/${hash.slice(2).toLowerCase()}`), request);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const served = sha256(bytes);
  if (served.toLowerCase() !== hash.toLowerCase()) {
    throw new BlobHashMismatchError(`The gateway served content for ${hash} that hashes to ${served}.`, {
      metaMessages: [`Gateway: ${url}`],
    });
  }
  return { bytes, text: utf8.decode(bytes) };
}
