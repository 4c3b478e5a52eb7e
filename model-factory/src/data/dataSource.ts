import {
  contentHash,
  createGatewayClient,
  HttpRequestError,
  type SignDataAccessRequestReturnType,
} from "@payable-ai/sdk";
import type { Address } from "viem";
import { FactoryError } from "../errors.js";
import { parseContribution, type TrainingExample } from "./examples.js";

/** The contributions of one datanet to train on. */
export interface DatanetSelection {
  datanetId: bigint;
  contributionIds: bigint[];
}

/** A `DataAccessRequest` signed by the developer's wallet (EIP-712, domain of the data gateway). */
export type SignedAccessRequest = SignDataAccessRequestReturnType;

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

/**
 * The data gateway refused or failed: a refusal (its 4xx) is the client's to fix and answers 400,
 * an unreachable or failing gateway 502; `code` is the gateway's own when it gave one.
 */
export class DataAccessError extends FactoryError {
  override name = "DataAccessError";
  constructor(
    message: string,
    /** The gateway's HTTP status, when it answered. */
    readonly gatewayStatus?: number,
    gatewayCode?: string,
  ) {
    super(
      gatewayStatus !== undefined && gatewayStatus < 500 ? 400 : 502,
      gatewayCode ?? "data_gateway",
      message,
    );
  }
}

/**
 * The data gateway (`gateway/`) through the SDK's client: one session per datanet opened with the
 * developer's signed request, then each contribution downloaded with the session token. The
 * gateway checks `hasAccess` on-chain for every download; its refusals surface as
 * {@link DataAccessError} with the gateway's code.
 */
export class GatewayDataSource implements DataSource {
  readonly description: string;

  constructor(readonly baseUrl: string) {
    this.description = `gateway:${baseUrl}`;
  }

  #client(signal?: AbortSignal) {
    return createGatewayClient({ url: this.baseUrl, signal });
  }

  /** The EIP-712 domain facts the gateway verifies signatures under. */
  domain(signal?: AbortSignal): Promise<{ chainId: number; datanetRegistry: Address }> {
    return refusals(this.baseUrl, "its domain", () => this.#client(signal).domain());
  }

  /** Stores a public blob; inference nodes read it at `<gateway>/blobs/<sha256>`. */
  async publishBlob(bytes: Uint8Array, signal?: AbortSignal): Promise<string> {
    const { id } = await refusals(this.baseUrl, "the adapter upload", () =>
      this.#client(signal).putBlob(bytes, "public"),
    );
    return new URL(`/blobs/${id}`, this.baseUrl).href;
  }

  async fetchExamples(
    selections: readonly DatanetSelection[],
    access: readonly SignedAccessRequest[],
    signal?: AbortSignal,
  ): Promise<TrainingExample[]> {
    const client = this.#client(signal);
    const examples: TrainingExample[] = [];
    for (const selection of selections) {
      const signed = access.find((a) => a.request.datanetId === selection.datanetId);
      if (!signed)
        throw new DataAccessError(`no signed access request for datanet ${selection.datanetId}`, 400);
      const { datanetId } = selection;
      const { token } = await refusals(this.baseUrl, `a session for datanet ${datanetId}`, () =>
        client.openSession(signed),
      );
      for (const contributionId of selection.contributionIds) {
        const { bytes, uri } = await refusals(this.baseUrl, `contribution ${contributionId}`, () =>
          client.downloadContribution({ token, datanetId, contributionId }),
        );
        examples.push(...parseContribution(bytes, { contributionId, contentHash: contentHash(bytes), uri }));
      }
    }
    return examples;
  }
}

/** The gateway's refusals and failures as {@link DataAccessError}s; a caller's abort passes through. */
async function refusals<T>(baseUrl: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof HttpRequestError) || error.code === "aborted") throw error;
    if (error.status === undefined) {
      throw new DataAccessError(`data gateway ${baseUrl} is unreachable: ${error.shortMessage}`, 502);
    }
    throw new DataAccessError(
      `data gateway refused ${what}: ${error.details ?? error.shortMessage}`,
      error.status,
      error.code,
    );
  }
}
