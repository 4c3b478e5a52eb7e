import type { Account, Address, Hex } from "viem";
import { BaseError } from "../../errors/base.js";
import { HttpRequestError, type HttpRequestErrorType, httpGetJson, joinUrl } from "../../utils/http.js";
import { type DownloadContributionReturnType, downloadContribution } from "./downloadContribution.js";
import { type BlobHashMismatchError, getPublicBlob } from "./getPublicBlob.js";
import { type GatewaySession, openGatewaySession } from "./openGatewaySession.js";
import { type BlobVisibility, type PutBlobReturnType, putBlob } from "./putBlob.js";
import { type SignDataAccessRequestReturnType, signDataAccessRequest } from "./signDataAccessRequest.js";

export type CreateGatewayClientParameters = {
  /** Base URL of the data gateway. */
  url: string;
  /** Most milliseconds one call may take, body included. Default: 30 000. */
  timeoutMs?: number | undefined;
  /** Aborts every call in flight (a service's shutdown). */
  signal?: AbortSignal | undefined;
  /**
   * The account that reads contributions. With it, {@link GatewayClient.readContribution} signs
   * its own access requests and keeps one session per datanet, reopened before it expires.
   */
  account?: Account | undefined;
  /** The EIP-712 domain the gateway checks signatures under; read from `/health/live` when omitted. */
  domain?: GatewayDomain | undefined;
  /** Seconds each self-signed session lasts. Default: 3 600 (the gateway may cap it). */
  sessionSeconds?: number | undefined;
};

export type GatewayDomain = { chainId: number; datanetRegistry: Address };

export type GatewayHealth = GatewayDomain & {
  ok: boolean;
  checks?: Record<string, { ok: boolean; error?: string }>;
};

/** One client of the data gateway: blobs, sessions and contributions, every call bounded. */
export type GatewayClient = {
  readonly url: string;
  /** `GET /health`: readiness (`ok: false` comes back as an {@link HttpRequestError} with status 503). */
  health(options?: { timeoutMs?: number }): Promise<GatewayHealth>;
  /** The chain and DatanetRegistry the gateway checks access against. */
  domain(): Promise<GatewayDomain>;
  /** A public blob by its sha256, checked against it. */
  getBlob(hash: Hex): Promise<Uint8Array>;
  /** Stores bytes under their sha256; returns the hash (see {@link putBlob}). */
  putBlob(content: Uint8Array | string, visibility?: BlobVisibility): Promise<PutBlobReturnType>;
  /** A session from a request someone signed (a developer's wallet, for instance). */
  openSession(signed: SignDataAccessRequestReturnType): Promise<GatewaySession>;
  /** One contribution with a session's token. */
  downloadContribution(parameters: {
    token: string;
    datanetId: bigint;
    contributionId: bigint;
    contentHash?: Hex | undefined;
  }): Promise<DownloadContributionReturnType>;
  /**
   * One contribution read as `account`, which signs its own access request: sessions are cached
   * per datanet and reopened once when the gateway no longer knows them (a gateway restart).
   */
  readContribution(
    datanetId: bigint,
    contributionId: bigint,
    contentHash?: Hex,
  ): Promise<DownloadContributionReturnType>;
};

export class GatewayAccountRequiredError extends BaseError {
  override name = "GatewayAccountRequiredError";
}

/** What the client's methods throw: the gateway's refusal or a network failure, no account to sign with, or a blob whose bytes do not match its hash. */
export type GatewayClientErrorType =
  | HttpRequestErrorType
  | GatewayAccountRequiredError
  | BlobHashMismatchError;

/**
 * A client of the data gateway for dApps, services and scripts, in Node and in browsers.
 *
 * @example
 * const gateway = createGatewayClient({ url: gatewayUrl, account })
 * const { hash } = await gateway.putBlob("What is the capital of Elbonia?")
 * const { text } = await gateway.readContribution(datanetId, contributionId)
 */
export function createGatewayClient({
  url,
  timeoutMs = 30_000,
  signal,
  account,
  domain: knownDomain,
  sessionSeconds = 3600,
}: CreateGatewayClientParameters): GatewayClient {
  const http = { timeoutMs, signal };
  const sessions = new Map<string, { token: string; expiresAt: number }>();
  let domain: Promise<GatewayDomain> | undefined = knownDomain && Promise.resolve(knownDomain);

  const client: GatewayClient = {
    url,
    async health(options = {}) {
      return httpGetJson<GatewayHealth>(joinUrl(url, "health"), { ...http, ...options });
    },
    domain() {
      domain ??= httpGetJson<GatewayHealth>(joinUrl(url, "health/live"), http).then(
        ({ chainId, datanetRegistry }) => ({ chainId, datanetRegistry }),
        (error: unknown) => {
          domain = undefined;
          throw error;
        },
      );
      return domain;
    },
    async getBlob(hash) {
      return (await getPublicBlob({ url, hash, ...http })).bytes;
    },
    putBlob(content, visibility = "public") {
      return putBlob({ url, content, visibility, ...http });
    },
    openSession(signed) {
      return openGatewaySession({ url, ...signed, ...http });
    },
    downloadContribution(parameters) {
      return downloadContribution({ url, ...parameters, ...http });
    },
    async readContribution(datanetId, contributionId, contentHash) {
      for (let attempt = 0; ; attempt++) {
        const token = await session(datanetId);
        try {
          return await downloadContribution({ url, token, datanetId, contributionId, contentHash, ...http });
        } catch (error) {
          if (!(error instanceof HttpRequestError && error.status === 401 && attempt === 0)) throw error;
          sessions.delete(datanetId.toString());
        }
      }
    },
  };

  async function session(datanetId: bigint): Promise<string> {
    const key = datanetId.toString();
    const now = Math.floor(Date.now() / 1000);
    const cached = sessions.get(key);
    if (cached !== undefined && cached.expiresAt - 60 > now) return cached.token;
    if (account === undefined) {
      throw new GatewayAccountRequiredError(
        "Reading a contribution needs an account to sign the access request: pass `account` to createGatewayClient, or open a session from a signed request with `openSession`.",
      );
    }
    const { chainId, datanetRegistry } = await client.domain();
    const signed = await signDataAccessRequest(account, {
      chainId,
      datanetRegistry,
      datanetId,
      validForSeconds: sessionSeconds,
    });
    const opened = await client.openSession(signed);
    sessions.set(key, { token: opened.token, expiresAt: Number(signed.request.expiresAt) });
    return opened.token;
  }

  return client;
}
