import { BaseError, blobIdOfHash, modelAdapterId } from "@payable-ai/sdk";
import type { Hex } from "viem";

export class ServiceError extends BaseError {
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
  async chat(parameters: ChatParameters): Promise<string> {
    return (await this.chatCompletion(parameters)).text;
  }

  /** As {@link chat}, with the node's whole answer (OpenAI's `chat.completion`) and its token counts. */
  async chatCompletion(parameters: ChatParameters): Promise<ChatCompletion> {
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
      (r) =>
        r.json() as Promise<{
          choices: { message?: { content?: unknown }; finish_reason?: unknown }[];
          usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
        }>,
    );
    const text = body.choices[0]?.message?.content;
    if (typeof text !== "string")
      throw new ServiceError("inference node: /v1/chat/completions answered without a message");
    const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = body.usage ?? {};
    return {
      text,
      finishReason: typeof body.choices[0]?.finish_reason === "string" ? body.choices[0].finish_reason : null,
      promptTokens: typeof promptTokens === "number" ? promptTokens : undefined,
      completionTokens: typeof completionTokens === "number" ? completionTokens : undefined,
    };
  }

  /** Tokens of one user message as the chat endpoint templates it (`POST /tokenize`, vLLM's shape). */
  async countChatTokens(model: string, message: string): Promise<number> {
    const body = await call(
      "inference node",
      "/tokenize",
      `${this.url}/tokenize`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: message }] }),
      },
      this,
      (r) => r.json() as Promise<{ count?: unknown }>,
    );
    if (typeof body.count !== "number" || !Number.isInteger(body.count) || body.count < 0)
      throw new ServiceError("inference node: /tokenize answered without a count");
    return body.count;
  }
}

export type ChatParameters = {
  model: string;
  message: string;
  maxTokens: number;
  temperature: number;
  seed: number;
  requestId?: string;
};

export type ChatCompletion = {
  text: string;
  finishReason: string | null;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
};
