import { type Hex, sha256 } from "viem";
import { BaseError } from "../../errors/base.js";
import {
  type HttpRequestErrorType,
  type HttpRequestParameters,
  httpGet,
  joinUrl,
  readBytes,
} from "../../utils/http.js";

export type GetPublicBlobParameters = HttpRequestParameters & {
  /** Base URL of the data gateway. */
  url: string;
  /** The blob's sha256, as the contracts store it (an input or output hash). */
  hash: Hex;
};
export type GetPublicBlobReturnType = { bytes: Uint8Array; text: string };
export type GetPublicBlobErrorType = HttpRequestErrorType | BlobHashMismatchError;

export class BlobHashMismatchError extends BaseError {
  override name = "BlobHashMismatchError";
}

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false });

/** The gateway's id of a blob: its sha256 as bare lower-case hex. */
export function blobIdOfHash(hash: Hex): string {
  return hash.slice(2).toLowerCase();
}

/** `bytes` when they hash to `hash`, otherwise a {@link BlobHashMismatchError} naming `url`. */
export type CheckBlobHashErrorType = BlobHashMismatchError;

export function checkBlobHash(bytes: Uint8Array, hash: Hex, url: string): Uint8Array {
  const served = sha256(bytes);
  if (served.toLowerCase() !== hash.toLowerCase()) {
    throw new BlobHashMismatchError(`The gateway served content for ${hash} that hashes to ${served}.`, {
      metaMessages: [`URL: ${url}`],
    });
  }
  return bytes;
}

/** UTF-8 text of a blob, decoded as keepers do (BOM dropped, invalid bytes as U+FFFD). */
export function blobText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

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
  const blobUrl = joinUrl(url, `blobs/${blobIdOfHash(hash)}`);
  const bytes = checkBlobHash(await readBytes(await httpGet(blobUrl, request), blobUrl), hash, blobUrl);
  return { bytes, text: blobText(bytes) };
}
