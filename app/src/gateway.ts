/**
 * The one module that talks to the data gateway (through the app server at `/api/gateway`), with
 * the SDK's gateway client: uploads, public blobs and access-checked contribution downloads.
 * Refusals come back as errors that say what was refused, in the gateway's own words.
 */
import { contentHash, createGatewayClient, HttpRequestError, signDataAccessRequest } from "@payable-ai/sdk";
import type { Account, Address, Hex } from "viem";

/** sha256 of the bytes, as the contracts store it. */
export const hashOf = (content: Uint8Array): Hex => contentHash(content);

const gateway = createGatewayClient({ url: "/api/gateway" });

/** The gateway's refusal in words: `what` and the gateway's message. */
async function refused<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HttpRequestError)) throw error;
    const reason =
      error.details ?? (error.status === undefined ? "the data gateway is unreachable" : error.shortMessage);
    throw new Error(`${what}: ${reason}`);
  }
}

/** Stores bytes under their sha256; `datanet` content is only served to readers with access. */
export async function uploadBlob(content: Uint8Array, visibility: "public" | "datanet"): Promise<Hex> {
  return (await refused("Upload refused", () => gateway.putBlob(content, visibility))).hash;
}

/** A public blob (a question, an answer) as text, checked against its hash. */
export async function readPublicText(hash: Hex | string): Promise<string> {
  const hex = `0x${hash.replace(/^blob:/, "").replace(/^0x/, "")}` as Hex;
  const bytes = await refused("Download refused", () => gateway.getBlob(hex));
  return new TextDecoder().decode(bytes);
}

/** Signs a data access request (EIP-712, 10 minutes) and opens a gateway session for one datanet. */
export async function openSession(
  account: Account,
  parameters: { chainId: number; datanetRegistry: Address; datanetId: bigint },
): Promise<{ token: string; scope: string }> {
  const signed = await signDataAccessRequest(account, parameters);
  return refused("The data gateway refused the session", () => gateway.openSession(signed));
}

/** A contribution's content, with a session from `openSession`. */
export async function readContribution(
  session: { token: string },
  datanetId: bigint,
  contributionId: bigint,
): Promise<string> {
  const { text } = await refused(`Contribution ${contributionId} could not be read`, () =>
    gateway.downloadContribution({ token: session.token, datanetId, contributionId }),
  );
  return text;
}

/** The URI a contribution or an input is registered with: its blob on the gateway. */
export const blobUri = (content: Uint8Array) => `blob:${hashOf(content)}`;
