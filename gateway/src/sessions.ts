import { randomBytes } from "node:crypto";
import { type DataAccessRequest, dataAccessRequestTypes, dataGatewayDomain } from "@payable-ai/sdk";
import { type Address, getAddress, type Hex, recoverTypedDataAddress } from "viem";
import { badRequest, conflict, tooManyRequests, unauthorized } from "./errors.js";
import type { NonceStore } from "./nonceStore.js";

/** A download session opened by a signed `DataAccessRequest`, valid until the request's `expiresAt`. */
export type AccessSession = { token: string; account: Address; datanetId: bigint; expiresAt: number };

export type VerifyAccessRequestParameters = {
  request: DataAccessRequest;
  signature: Hex;
  chainId: number;
  datanetRegistry: Address;
  /** Unix seconds. */
  now: number;
  maxSessionSeconds: number;
};

/**
 * Checks a signed request: not expired, not too long-lived, signed by
 * `request.account` under the gateway's EIP-712 domain (chain + DatanetRegistry).
 * The nonce is left for {@link consumeAccessNonce}, once the account is known to
 * have access, so nobody can burn another account's nonces and a refused request
 * may be sent again. (EOA signatures; ERC-1271 wallets are not supported yet.)
 */
export async function verifyAccessRequest(parameters: VerifyAccessRequestParameters): Promise<Address> {
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
  return signer;
}

/** Burns the nonce of a verified request; 409 `nonce_used` when it was seen before. */
export async function consumeAccessNonce(nonces: NonceStore, request: DataAccessRequest): Promise<void> {
  const key = `${request.account.toLowerCase()}:${request.nonce.toLowerCase()}`;
  if (!(await nonces.consume(key, Number(request.expiresAt)))) {
    throw conflict("nonce_used", `nonce ${request.nonce} of ${request.account} was already used`);
  }
}

/** Room for a keeper holding one session per datanet it reads, plus overlaps as it renews them. */
export const DEFAULT_MAX_SESSIONS_PER_ACCOUNT = 64;
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Expired sessions are swept at least this often (seconds) while sessions open. */
const SWEEP_INTERVAL_SECONDS = 60;

export type SessionLimits = {
  /** Open sessions one account may hold, over all datanets. */
  maxPerAccount: number;
  /** Open sessions in all; bounds the store's memory (a few hundred bytes each). */
  maxTotal: number;
};

/** A place held for one session while its access is checked; `open` or `release` it. */
export type SessionReservation = {
  open(datanetId: bigint, expiresAt: number): AccessSession;
  release(): void;
};

/**
 * Open sessions, in memory: a restarted gateway asks clients to sign a new request.
 * Capped per account and in all; a place is reserved before the access check, so
 * concurrent requests cannot overshoot a cap. Expired sessions are dropped when
 * looked up, when their account opens another, and in a sweep at least once a minute.
 */
export class SessionStore {
  readonly #sessions = new Map<string, AccessSession>();
  readonly #byAccount = new Map<Address, Set<string>>();
  readonly #pending = new Map<Address, number>();
  #pendingTotal = 0;
  #nextSweep = 0;

  constructor(
    readonly limits: SessionLimits = {
      maxPerAccount: DEFAULT_MAX_SESSIONS_PER_ACCOUNT,
      maxTotal: DEFAULT_MAX_SESSIONS,
    },
  ) {}

  /** Holds a place for a session of `account`; 429 when the account or the gateway is at its cap. */
  reserve(account: Address, now: number): SessionReservation {
    if (now >= this.#nextSweep) this.prune(now);
    this.#pruneAccount(account, now);
    const tokens = this.#byAccount.get(account);
    const held = (tokens?.size ?? 0) + (this.#pending.get(account) ?? 0);
    if (held >= this.limits.maxPerAccount) {
      throw tooManyRequests(
        "too_many_sessions",
        `${account} holds ${held} sessions, the most one account may hold: reuse one, or retry once one expires`,
        this.#retryAfter(tokens ?? [], now),
      );
    }
    if (this.#sessions.size + this.#pendingTotal >= this.limits.maxTotal) this.prune(now);
    if (this.#sessions.size + this.#pendingTotal >= this.limits.maxTotal) {
      throw tooManyRequests(
        "gateway_session_limit",
        `the gateway holds ${this.limits.maxTotal} sessions, its limit: retry later`,
        this.#retryAfter(this.#sessions.keys(), now),
      );
    }
    this.#pending.set(account, (this.#pending.get(account) ?? 0) + 1);
    this.#pendingTotal++;
    let reserved = true;
    const release = () => {
      if (!reserved) return;
      reserved = false;
      this.#pendingTotal--;
      const left = (this.#pending.get(account) ?? 1) - 1;
      if (left === 0) this.#pending.delete(account);
      else this.#pending.set(account, left);
    };
    return {
      open: (datanetId, expiresAt) => {
        release();
        return this.#open(account, datanetId, expiresAt);
      },
      release,
    };
  }

  /** The live session of `token`; expired sessions are dropped. */
  get(token: string, now: number): AccessSession | undefined {
    const session = this.#sessions.get(token);
    if (session === undefined) return undefined;
    if (session.expiresAt <= now) {
      this.#delete(session);
      return undefined;
    }
    return session;
  }

  /** Drops every expired session. */
  prune(now: number): void {
    for (const session of this.#sessions.values()) if (session.expiresAt <= now) this.#delete(session);
    this.#nextSweep = now + SWEEP_INTERVAL_SECONDS;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #open(account: Address, datanetId: bigint, expiresAt: number): AccessSession {
    const session = { token: randomBytes(32).toString("base64url"), account, datanetId, expiresAt };
    this.#sessions.set(session.token, session);
    const tokens = this.#byAccount.get(account) ?? new Set<string>();
    tokens.add(session.token);
    this.#byAccount.set(account, tokens);
    return session;
  }

  #pruneAccount(account: Address, now: number): void {
    for (const token of this.#byAccount.get(account) ?? []) this.get(token, now);
  }

  #delete(session: AccessSession): void {
    this.#sessions.delete(session.token);
    const tokens = this.#byAccount.get(session.account);
    tokens?.delete(session.token);
    if (tokens?.size === 0) this.#byAccount.delete(session.account);
  }

  /** Seconds until the first of `tokens` expires (1 when only reservations hold the places). */
  #retryAfter(tokens: Iterable<string>, now: number): number {
    let first = Number.POSITIVE_INFINITY;
    for (const token of tokens) first = Math.min(first, this.#sessions.get(token)?.expiresAt ?? first);
    return Number.isFinite(first) ? Math.max(1, first - now) : 1;
  }
}
