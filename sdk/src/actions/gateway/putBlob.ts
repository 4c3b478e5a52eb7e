import { type Hex, sha256 } from "viem";
import {
  type HttpRequestErrorType,
  type HttpRequestParameters,
  httpRequest,
  joinUrl,
  readJson,
} from "../../utils/http.js";
import { blobIdOfHash } from "./getPublicBlob.js";

export type BlobVisibility = "public" | "datanet";

export type PutBlobParameters = HttpRequestParameters & {
  /** Base URL of the data gateway. */
  url: string;
  /** The bytes, or text stored as UTF-8. */
  content: Uint8Array | string;
  /**
   * `public`: anyone reads it at `/blobs/<sha256>` (inputs, outputs, adapters, manifests).
   * `datanet`: readable only as a contribution, through an access session. Default: `public`.
   */
  visibility?: BlobVisibility | undefined;
};
export type PutBlobReturnType = {
  /** sha256 of the content, the hash the contracts store. */
  hash: Hex;
  /** The gateway's blob id (bare hex). */
  id: string;
  size: number;
  /** The visibility the blob has now (datanet content never turns public again). */
  visibility: BlobVisibility;
  /** False when the gateway already held these bytes. */
  created: boolean;
};

export type PutBlobErrorType = HttpRequestErrorType;

/**
 * Stores a blob on the data gateway under its sha256 (`PUT /blobs/<sha256>`, so a retry stores
 * nothing twice and the gateway refuses bytes that do not hash to the id).
 *
 * @example
 * const { hash } = await putBlob({ url: gatewayUrl, content: "What is the capital of Elbonia?" })
 * await requestInference(wallet, { ..., inputHash: hash })
 */
export async function putBlob({
  url,
  content,
  visibility = "public",
  ...request
}: PutBlobParameters): Promise<PutBlobReturnType> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const hash = sha256(bytes);
  const blobUrl = joinUrl(url, `blobs/${blobIdOfHash(hash)}?visibility=${visibility}`);
  const response = await httpRequest(blobUrl, {
    timeoutMs: 30_000,
    ...request,
    method: "PUT",
    headers: { "content-type": "application/octet-stream" },
    body: bytes,
  });
  const body = await readJson<Omit<PutBlobReturnType, "hash">>(response, blobUrl);
  return { hash, id: body.id, size: body.size, visibility: body.visibility, created: body.created };
}
