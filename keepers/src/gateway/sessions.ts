import { randomBytes } from "node:crypto";
import { type DataAccessRequest, dataAccessRequestTypes, dataGatewayDomain } from "@payable-ai/sdk";
import { type Address, getAddress, type Hex, recoverTypedDataAddress } from "viem";
import { badRequest, conflict, unauthorized } from "./errors.js";
import type { NonceStore } from "./nonceStore.js";

/** A download session opened by a signed `DataAccessRequest`, valid until the request's `expiresAt`. */
export type AccessSession = { token: string; account: Address; datanetId: bigint; expiresAt: number };

export type OpenSessionParameters = {
  request: DataAccessRequest;
  signature: Hex;
  chainId: number;
  datanetRegistry: Address;
  nonces: NonceStore;
  /** Unix seconds. */
  now: number;
  maxSessionSeconds: number;
};

/**
 * Checks a signed request: not expired, not too long-lived, signed by
 * `request.account` under the gateway's EIP-712 domain (chain + DatanetRegistry),
 * nonce never seen. The nonce is consumed only once the signature is valid, so
 * nobody can burn another account's nonces. (EOA signatures; ERC-1271 wallets are
 * not supported yet.)
 */
export async function verifyAccessRequest(parameters: OpenSessionParameters): Promise<void> {
  const { request, signature, now } = parameters;
  const expiresAt = Number(request.expiresAt);
  if (expiresAt <= now) {
    throw unauthorized("request_expired", `the access request expired at ${expiresAt} (now ${now})`);
  }
  if (expiresAt - now > parameters.maxSessionSeconds) {
    throw badRequest(
      "request_too_long",
      `expiresAt may be at most ${parameters.maxSessionSeconds} s ahead (got ${expiresAt - now} s)`,
    );
  }
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({
      domain: dataGatewayDomain(parameters.chainId, parameters.datanetRegistry),
      types: dataAccessRequestTypes,
      primaryType: "DataAccessRequest",
      message: request,
      signature,
    });
  } catch {
    throw unauthorized("bad_signature", "the signature is malformed");
  }
  if (signer !== getAddress(request.account)) {
    throw unauthorized("bad_signature", `the request is signed by ${signer}, not by ${request.account}`);
  }
  const key = `${signer.toLowerCase()}:${request.nonce.toLowerCase()}`;
  if (!(await parameters.nonces.consume(key, expiresAt))) {
    throw conflict("nonce_used", `nonce ${request.nonce} of ${signer} was already used`);
  }
}

/** Open sessions, in memory: a restarted gateway asks clients to sign a new request. */
export class SessionStore {
  readonly #sessions = new Map<string, AccessSession>();

  open(account: Address, datanetId: bigint, expiresAt: number): AccessSession {
    const session = { token: randomBytes(32).toString("base64url"), account, datanetId, expiresAt };
    this.#sessions.set(session.token, session);
    return session;
  }

  /** The live session of `token`; expired sessions are dropped. */
  get(token: string, now: number): AccessSession | undefined {
    const session = this.#sessions.get(token);
    if (session === undefined) return undefined;
    if (session.expiresAt <= now) {
      this.#sessions.delete(token);
      return undefined;
    }
    return session;
  }

  prune(now: number): void {
    for (const [token, s] of this.#sessions) if (s.expiresAt <= now) this.#sessions.delete(token);
  }

  get size(): number {
    return this.#sessions.size;
  }
}
