/**
 * The one module that talks to the data gateway (through the app server at `/api/gateway`):
 * uploads, public blobs and access-checked contribution downloads. Swap its body for the SDK's
 * gateway client when there is one; nothing else in the app knows the gateway's routes.
 */
import { signDataAccessRequest, toJson } from "@payable-ai/sdk";
import { type Account, type Address, bytesToHex, type Hex, sha256 } from "viem";

/**
 * sha256 of the bytes, as the contracts store it (the SDK's `contentHash`, which reads files with
 * node:crypto, is for Node).
 */
export const hashOf = (content: Uint8Array): Hex => sha256(content);

const BASE = "/api/gateway";

async function failure(response: Response, what: string): Promise<Error> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return new Error(`${what}: ${body?.error?.message ?? `the data gateway answered ${response.status}`}`);
}

/** Stores bytes under their sha256; `datanet` content is only served to readers with access. */
export async function uploadBlob(content: Uint8Array, visibility: "public" | "datanet"): Promise<Hex> {
  const response = await fetch(`${BASE}/blobs?visibility=${visibility}`, {
    method: "POST",
    body: content as BufferSource,
  });
  if (!response.ok) throw await failure(response, "Upload refused");
  return hashOf(content);
}

/** A public blob (a question, an answer) as text. */
export async function readPublicText(hash: Hex | string): Promise<string> {
  const id = hash.replace(/^blob:/, "").replace(/^0x/, "");
  const response = await fetch(`${BASE}/blobs/${id}`);
  if (!response.ok) throw await failure(response, "Download refused");
  return response.text();
}

/** Signs a data access request (EIP-712, 10 minutes) and opens a gateway session for one datanet. */
export async function openSession(
  account: Account,
  parameters: { chainId: number; datanetRegistry: Address; datanetId: bigint },
): Promise<{ token: string; scope: string }> {
  // A nonce from the browser's crypto: the SDK's default reads node:crypto.
  const nonce = bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
  const { request, signature } = await signDataAccessRequest(account, { ...parameters, nonce });
  const response = await fetch(`${BASE}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: toJson({ request, signature }),
  });
  if (!response.ok) throw await failure(response, "The data gateway refused the session");
  return (await response.json()) as { token: string; scope: string };
}

/** A contribution's content, with a session from `openSession`. */
export async function readContribution(
  session: { token: string },
  datanetId: bigint,
  contributionId: bigint,
): Promise<string> {
  const response = await fetch(`${BASE}/datanets/${datanetId}/contributions/${contributionId}`, {
    headers: { authorization: `Bearer ${session.token}` },
  });
  if (!response.ok) throw await failure(response, `Contribution ${contributionId} could not be read`);
  return response.text();
}

/** The URI a contribution or an input is registered with: its blob on the gateway. */
export const blobUri = (content: Uint8Array) => `blob:${hashOf(content)}`;
