import { randomBytes } from "node:crypto";
import { dataAccessRequestTypes, dataGatewayDomain, modelAdapterId } from "@payable-ai/sdk";
import { type Account, type Address, type Hex, sha256, toHex } from "viem";

export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Timeouts and cancellation of a service client. */
export type ServiceClientOptions = {
  /** Most milliseconds one call may take, body included. */
  timeoutMs?: number;
  /** Aborts every call in flight (the keeper's shutdown). */
  signal?: AbortSignal;
};

/**
 * `fetch` bounded by `timeoutMs` and `signal`; `read` consumes the body under the same bound.
 * Every failure is a {@link ServiceError} whose message starts with the service's name.
 */
async function call<T>(
  service: string,
  what: string,
  url: string,
  init: RequestInit,
  options: { timeoutMs: number; signal?: AbortSignal },
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await fetch(url, { ...init, signal });
    if (!response.ok) throw await failure(response, `${service}: ${what}`);
    return await read(response);
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    if (timeout.aborted) {
      throw new ServiceError(
        `${service}: ${what} timed out after ${options.timeoutMs} ms`,
        undefined,
        "timeout",
      );
    }
    if (options.signal?.aborted)
      throw new ServiceError(`${service}: ${what} aborted (shutting down)`, undefined, "aborted");
    const cause = (error as Error & { cause?: { message?: string } }).cause?.message;
    throw new ServiceError(
      `${service}: ${what} failed: ${(error as Error).message}${cause ? ` (${cause})` : ""}`,
    );
  }
}

async function failure(response: Response, what: string): Promise<ServiceError> {
  let code: string | undefined;
  let message = response.statusText;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    message = body.error?.message ?? message;
  } catch {}
  return new ServiceError(
    `${what}: HTTP ${response.status} ${code ?? ""} ${message}`.trim(),
    response.status,
    code,
  );
}

/** 32-byte content hash (0x…) → gateway blob id (bare hex). */
export function blobIdOfHash(hash: Hex): string {
  return hash.slice(2).toLowerCase();
}

/**
 * The keeper's client of the data gateway: public blobs (inputs, outputs) and datanet
 * contributions through EIP-712 access sessions, one per datanet, reopened before they expire.
 * Every download is checked against the hash it was asked for.
 */
export class GatewayClient {
  #sessions = new Map<string, { token: string; expiresAt: number }>();
  readonly sessionSeconds: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;

  constructor(
    readonly url: string,
    readonly account: Account,
    readonly domain: { chainId: number; datanetRegistry: Address },
    options: ServiceClientOptions & { sessionSeconds?: number } = {},
  ) {
    this.sessionSeconds = options.sessionSeconds ?? 3600;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.signal = options.signal;
  }

  #call<T>(what: string, path: string, init: RequestInit, read: (r: Response) => Promise<T>): Promise<T> {
    return call("gateway", what, `${this.url}${path}`, init, this, read);
  }

  async getPublicBlob(hash: Hex): Promise<Uint8Array> {
    const bytes = await this.#call(`blob ${hash}`, `/blobs/${blobIdOfHash(hash)}`, {}, binary);
    return checked(bytes, hash);
  }

  async putPublicBlob(content: Uint8Array): Promise<Hex> {
    const hash = sha256(content);
    await this.#call(
      "upload",
      `/blobs/${blobIdOfHash(hash)}?visibility=public`,
      { method: "PUT", body: Buffer.from(content), headers: { "content-type": "application/octet-stream" } },
      async () => {},
    );
    return hash;
  }

  async getContribution(datanetId: bigint, contributionId: bigint, contentHash: Hex): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#session(datanetId);
      try {
        const bytes = await this.#call(
          `contribution ${contributionId} of datanet ${datanetId}`,
          `/datanets/${datanetId}/contributions/${contributionId}`,
          { headers: { authorization: `Bearer ${token}` } },
          binary,
        );
        return checked(bytes, contentHash);
      } catch (error) {
        if (!(error instanceof ServiceError && error.status === 401 && attempt === 0)) throw error;
        this.#sessions.delete(datanetId.toString());
      }
    }
  }

  /** Whether the gateway answers `GET /health` within `timeoutMs`. */
  async health(timeoutMs: number): Promise<void> {
    await call(
      "gateway",
      "health",
      `${this.url}/health`,
      {},
      { timeoutMs, signal: this.signal },
      async () => {},
    );
  }

  async #session(datanetId: bigint): Promise<string> {
    const key = datanetId.toString();
    const now = Math.floor(Date.now() / 1000);
    const cached = this.#sessions.get(key);
    if (cached !== undefined && cached.expiresAt - 60 > now) return cached.token;
    if (!this.account.signTypedData)
      throw new ServiceError(`gateway: account ${this.account.address} cannot sign an access request`);
    const request = {
      account: this.account.address,
      datanetId,
      nonce: toHex(randomBytes(32)),
      expiresAt: BigInt(now + this.sessionSeconds),
    };
    const signature = await this.account.signTypedData({
      domain: dataGatewayDomain(this.domain.chainId, this.domain.datanetRegistry),
      types: dataAccessRequestTypes,
      primaryType: "DataAccessRequest",
      message: request,
    });
    const { token } = await this.#call(
      `access session for datanet ${datanetId}`,
      "/sessions",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          request: { ...request, datanetId: key, expiresAt: request.expiresAt.toString() },
          signature,
        }),
      },
      (r) => r.json() as Promise<{ token: string }>,
    );
    this.#sessions.set(key, { token, expiresAt: Number(request.expiresAt) });
    return token;
  }
}

async function binary(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

function checked(content: Uint8Array, hash: Hex): Uint8Array {
  if (sha256(content).toLowerCase() !== hash.toLowerCase()) {
    throw new ServiceError(`gateway: content served for ${hash} hashes to ${sha256(content)}`);
  }
  return content;
}

/** The keeper's client of the inference node's OpenAI-compatible API. */
export class InferenceClient {
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;

  constructor(
    readonly url: string,
    options: ServiceClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.signal = options.signal;
  }

  /** Whether the node answers `GET /health` within `timeoutMs`. */
  async health(timeoutMs: number): Promise<void> {
    await call(
      "inference node",
      "health",
      `${this.url}/health`,
      {},
      { timeoutMs, signal: this.signal },
      async () => {},
    );
  }

  /**
   * The node's name for an on-chain model: `model-<id>` when the node lists it with the model's
   * adapter hash, otherwise any adapter whose package hashes to `adapterHash`.
   */
  async adapterIdFor(modelId: bigint, adapterHash: Hex): Promise<string | undefined> {
    const { data } = await call(
      "inference node",
      "/v1/models",
      `${this.url}/v1/models`,
      {},
      this,
      (r) => r.json() as Promise<{ data: { id: string; sha256?: string }[] }>,
    );
    const wanted = blobIdOfHash(adapterHash);
    const matching = data.filter((m) => m.sha256?.toLowerCase() === wanted);
    return (matching.find((m) => m.id === modelAdapterId(modelId)) ?? matching[0])?.id;
  }

  /** One user message through the node's chat endpoint, which applies the model's chat template. */
  async chat(parameters: {
    model: string;
    message: string;
    maxTokens: number;
    temperature: number;
    seed: number;
    requestId?: string;
  }): Promise<string> {
    const body = await call(
      "inference node",
      "/v1/chat/completions",
      `${this.url}/v1/chat/completions`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(parameters.requestId ? { "x-request-id": parameters.requestId } : {}),
        },
        body: JSON.stringify({
          model: parameters.model,
          messages: [{ role: "user", content: parameters.message }],
          max_tokens: parameters.maxTokens,
          temperature: parameters.temperature,
          seed: parameters.seed,
        }),
      },
      this,
      (r) => r.json() as Promise<{ choices: { message?: { content?: unknown } }[] }>,
    );
    const text = body.choices[0]?.message?.content;
    if (typeof text !== "string")
      throw new ServiceError("inference node: /v1/chat/completions answered without a message");
    return text;
  }
}
