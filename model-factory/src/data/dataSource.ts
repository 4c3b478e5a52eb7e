import { randomBytes } from "node:crypto";
import {
  contentHash,
  type DataAccessRequest,
  dataAccessRequestTypes,
  dataGatewayDomain,
  toJson,
} from "@payable-ai/sdk";
import type { Address, Hex, LocalAccount } from "viem";
import { parseContribution, type TrainingExample } from "./examples.js";

/** The contributions of one datanet to train on. */
export interface DatanetSelection {
  datanetId: bigint;
  contributionIds: bigint[];
}

/** A `DataAccessRequest` signed by the developer's wallet (EIP-712, domain of the data gateway). */
export interface SignedAccessRequest {
  request: DataAccessRequest;
  signature: Hex;
}

/** Where training data comes from. Implementations must fetch only what the signed requests allow. */
export interface DataSource {
  readonly description: string;
  /** The EIP-712 domain (chain, DatanetRegistry) the source checks access signatures under, if any. */
  domain?(signal?: AbortSignal): Promise<{ chainId: number; datanetRegistry: Address }>;
  /** Stores a public blob (the adapter package) where inference nodes fetch it by sha256; returns its URI. */
  publishBlob?(bytes: Uint8Array, signal?: AbortSignal): Promise<string>;
  fetchExamples(
    selections: readonly DatanetSelection[],
    access: readonly SignedAccessRequest[],
    signal?: AbortSignal,
  ): Promise<TrainingExample[]>;
}

export class DataAccessError extends Error {
  override name = "DataAccessError";
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * The data gateway of the keepers (`gateway/`): one session per datanet opened with the
 * developer's signed request (`POST /sessions`), then each contribution downloaded with the session
 * token. The gateway checks `hasAccess` on-chain for every download; its refusals surface as
 * {@link DataAccessError} with the gateway's code.
 */
export class GatewayDataSource implements DataSource {
  readonly description: string;

  constructor(readonly baseUrl: string) {
    this.description = `gateway:${baseUrl}`;
  }

  /** The EIP-712 domain facts the gateway verifies signatures under. */
  async domain(signal?: AbortSignal): Promise<{ chainId: number; datanetRegistry: Address }> {
    const body = (await this.call("/health", { signal })) as { chainId: number; datanetRegistry: Address };
    return { chainId: body.chainId, datanetRegistry: body.datanetRegistry };
  }

  /** Uploads a public blob (`POST /blobs?visibility=public`); inference nodes read `<gateway>/blobs/<sha256>`. */
  async publishBlob(bytes: Uint8Array, signal?: AbortSignal): Promise<string> {
    const body = (await this.call("/blobs?visibility=public", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: Buffer.from(bytes),
      signal,
    })) as { id: string };
    return new URL(`/blobs/${body.id}`, this.baseUrl).href;
  }

  async fetchExamples(
    selections: readonly DatanetSelection[],
    access: readonly SignedAccessRequest[],
    signal?: AbortSignal,
  ): Promise<TrainingExample[]> {
    const examples: TrainingExample[] = [];
    for (const selection of selections) {
      const signed = access.find((a) => a.request.datanetId === selection.datanetId);
      if (!signed)
        throw new DataAccessError(`no signed access request for datanet ${selection.datanetId}`, 400);
      const session = (await this.call("/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: toJson(signed),
        signal,
      })) as { token: string };
      for (const contributionId of selection.contributionIds) {
        const response = await fetch(
          new URL(`/datanets/${selection.datanetId}/contributions/${contributionId}`, this.baseUrl),
          { headers: { authorization: `Bearer ${session.token}` }, signal },
        );
        if (!response.ok) await this.fail(response, `contribution ${contributionId}`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        const uri = response.headers.get("x-contribution-uri") ?? undefined;
        examples.push(...parseContribution(bytes, { contributionId, contentHash: contentHash(bytes), uri }));
      }
    }
    return examples;
  }

  private async call(path: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), init);
    } catch (cause) {
      if ((cause as Error).name === "AbortError") throw cause;
      throw new DataAccessError(
        `data gateway ${this.baseUrl} is unreachable: ${(cause as Error).message}`,
        502,
      );
    }
    if (!response.ok) await this.fail(response, path);
    return response.json();
  }

  private async fail(response: Response, what: string): Promise<never> {
    let code: string | undefined;
    let message = response.statusText;
    try {
      const body = (await response.json()) as { error?: { code?: string; message?: string } };
      code = body.error?.code;
      message = body.error?.message ?? message;
    } catch {
      // not JSON: keep the status text
    }
    throw new DataAccessError(`data gateway refused ${what}: ${message}`, response.status, code);
  }
}

/**
 * Signs a fresh `DataAccessRequest` (random nonce) with a local account. In the web app the
 * injected wallet signs the same typed data.
 */
export async function signAccessRequest(
  account: LocalAccount,
  parameters: { chainId: number; datanetRegistry: Address; datanetId: bigint; expiresAt: bigint },
): Promise<SignedAccessRequest> {
  const request: DataAccessRequest = {
    account: account.address,
    datanetId: parameters.datanetId,
    nonce: `0x${randomBytes(32).toString("hex")}`,
    expiresAt: parameters.expiresAt,
  };
  const signature = await account.signTypedData({
    domain: dataGatewayDomain(parameters.chainId, parameters.datanetRegistry),
    types: dataAccessRequestTypes,
    primaryType: "DataAccessRequest",
    message: request,
  });
  return { request, signature };
}
