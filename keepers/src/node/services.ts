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

  constructor(
    readonly url: string,
    readonly account: Account,
    readonly domain: { chainId: number; datanetRegistry: Address },
    readonly sessionSeconds = 3600,
  ) {}

  async getPublicBlob(hash: Hex): Promise<Uint8Array> {
    const response = await fetch(`${this.url}/blobs/${blobIdOfHash(hash)}`);
    if (!response.ok) throw await failure(response, `gateway blob ${hash}`);
    return checked(new Uint8Array(await response.arrayBuffer()), hash);
  }

  async putPublicBlob(content: Uint8Array): Promise<Hex> {
    const hash = sha256(content);
    const response = await fetch(`${this.url}/blobs/${blobIdOfHash(hash)}?visibility=public`, {
      method: "PUT",
      body: Buffer.from(content),
      headers: { "content-type": "application/octet-stream" },
    });
    if (!response.ok) throw await failure(response, "gateway upload");
    return hash;
  }

  async getContribution(datanetId: bigint, contributionId: bigint, contentHash: Hex): Promise<Uint8Array> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.#session(datanetId);
      const response = await fetch(`${this.url}/datanets/${datanetId}/contributions/${contributionId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (response.status === 401 && attempt === 0) {
        this.#sessions.delete(datanetId.toString());
        continue;
      }
      if (!response.ok)
        throw await failure(response, `contribution ${contributionId} of datanet ${datanetId}`);
      return checked(new Uint8Array(await response.arrayBuffer()), contentHash);
    }
  }

  async #session(datanetId: bigint): Promise<string> {
    const key = datanetId.toString();
    const now = Math.floor(Date.now() / 1000);
    const cached = this.#sessions.get(key);
    if (cached !== undefined && cached.expiresAt - 60 > now) return cached.token;
    if (!this.account.signTypedData) throw new ServiceError(`account ${this.account.address} cannot sign`);
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
    const response = await fetch(`${this.url}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        request: { ...request, datanetId: key, expiresAt: request.expiresAt.toString() },
        signature,
      }),
    });
    if (!response.ok) throw await failure(response, `access session for datanet ${datanetId}`);
    const { token } = (await response.json()) as { token: string };
    this.#sessions.set(key, { token, expiresAt: Number(request.expiresAt) });
    return token;
  }
}

function checked(content: Uint8Array, hash: Hex): Uint8Array {
  if (sha256(content).toLowerCase() !== hash.toLowerCase()) {
    throw new ServiceError(`content served for ${hash} hashes to ${sha256(content)}`);
  }
  return content;
}

/** The keeper's client of the inference node's OpenAI-compatible API. */
export class InferenceClient {
  constructor(
    readonly url: string,
    readonly timeoutMs = 120_000,
  ) {}

  /**
   * The node's name for an on-chain model: `model-<id>` when the node lists it with the model's
   * adapter hash, otherwise any adapter whose package hashes to `adapterHash`.
   */
  async adapterIdFor(modelId: bigint, adapterHash: Hex): Promise<string | undefined> {
    const response = await fetch(`${this.url}/v1/models`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!response.ok) throw await failure(response, "inference node /v1/models");
    const { data } = (await response.json()) as { data: { id: string; sha256?: string }[] };
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
    const response = await fetch(`${this.url}/v1/chat/completions`, {
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
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw await failure(response, "inference node /v1/chat/completions");
    const body = (await response.json()) as { choices: { message?: { content?: unknown } }[] };
    const text = body.choices[0]?.message?.content;
    if (typeof text !== "string") throw new ServiceError("inference node answered without a message");
    return text;
  }
}
