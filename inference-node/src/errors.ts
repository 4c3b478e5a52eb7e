import { BaseError } from "@payable-ai/sdk";

/** Base of every error the node reports to clients; `status` and `code` drive the HTTP mapping. */
export class InferenceNodeError extends BaseError {
  readonly status: number = 500;
  readonly code: string = "internal_error";
  readonly type: string = "server_error";
  readonly param: string | null = null;
}

export class InvalidRequestError extends InferenceNodeError {
  override name = "InvalidRequestError";
  override readonly status = 400;
  override readonly code: string = "invalid_request";
  override readonly type = "invalid_request_error";
  constructor(
    message: string,
    override readonly param: string | null = null,
  ) {
    super(message);
  }
}

export class ContextLengthError extends InvalidRequestError {
  override name = "ContextLengthError";
  override readonly code = "context_length_exceeded";
}

export class AdapterNotFoundError extends InferenceNodeError {
  override name = "AdapterNotFoundError";
  override readonly status = 404;
  override readonly code = "model_not_found";
  override readonly type = "invalid_request_error";
  constructor(readonly adapterId: string) {
    super(`model "${adapterId}" is neither "base" nor a registered adapter`);
  }
}

/** The blob's sha256 differs from the registered hash: the adapter is refused, never served. */
export class AdapterIntegrityError extends InferenceNodeError {
  override name = "AdapterIntegrityError";
  override readonly status = 502;
  override readonly code = "adapter_integrity_failed";
  constructor(
    readonly adapterId: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `adapter "${adapterId}" failed verification: sha256 ${actual} differs from the registered ${expected}`,
    );
  }
}

/** The on-chain model behind the adapter was retired or delisted: it is no longer served. */
export class AdapterWithdrawnError extends InferenceNodeError {
  override name = "AdapterWithdrawnError";
  override readonly status = 410;
  override readonly code = "adapter_withdrawn";
  override readonly type = "invalid_request_error";
  constructor(
    readonly adapterId: string,
    readonly modelStatus: string,
  ) {
    super(`model "${adapterId}" is ${modelStatus} on-chain and is no longer served`);
  }
}

export class AdapterUnavailableError extends InferenceNodeError {
  override name = "AdapterUnavailableError";
  override readonly status = 502;
  override readonly code = "adapter_unavailable";
}

/** The adapter file is readable but not a LoRA this base model can run. */
export class AdapterFormatError extends InferenceNodeError {
  override name = "AdapterFormatError";
  override readonly status = 422;
  override readonly code = "adapter_incompatible";
  override readonly type = "invalid_request_error";
}

/** The body is over the node's limit (checked on `content-length`, or while reading a chunked body). */
export class BodyTooLargeError extends InferenceNodeError {
  override name = "BodyTooLargeError";
  override readonly status = 413;
  override readonly code = "body_too_large";
  override readonly type = "invalid_request_error";
  constructor(
    readonly limit: number,
    /** The rest of the body could not be read off the connection, so it must be closed. */
    readonly closeConnection = false,
  ) {
    super(`request body too large (limit ${limit} bytes)`);
  }
}

export class QueueFullError extends InferenceNodeError {
  override name = "QueueFullError";
  override readonly status = 429;
  override readonly code = "queue_full";
  override readonly type = "rate_limit_error";
  constructor(
    readonly limit: number,
    /** Sent as `Retry-After`. */
    readonly retryAfterSeconds = 1,
  ) {
    super(`the request queue is full (${limit} waiting); retry in ${retryAfterSeconds} s`);
  }
}

export class ShuttingDownError extends InferenceNodeError {
  override name = "ShuttingDownError";
  override readonly status = 503;
  override readonly code = "shutting_down";
  constructor(message = "the node is shutting down; send the request to another node") {
    super(message);
  }
}

/** The forward pass gave NaN or infinite logits for a row: its output would be garbage. */
export class NonFiniteLogitsError extends InferenceNodeError {
  override name = "NonFiniteLogitsError";
  override readonly status = 500;
  override readonly code = "non_finite_logits";
  constructor() {
    super("the model produced non-finite logits for this request (adapter weights out of range?)");
  }
}

/** A model directory the node cannot load (unsupported family or option, missing or misshapen tensor). */
export class ModelFormatError extends BaseError {
  override name = "ModelFormatError";
}

/** The admin routes answer only when the node was started with an admin token. */
export class AdminDisabledError extends InferenceNodeError {
  override name = "AdminDisabledError";
  override readonly status = 403;
  override readonly code = "admin_disabled";
  override readonly type = "invalid_request_error";
  constructor() {
    super("the admin API is disabled: start the node with --admin-token (or INFERENCE_NODE_ADMIN_TOKEN)");
  }
}

/** No admin token, or a wrong one, on an admin route. */
export class UnauthorizedError extends InferenceNodeError {
  override name = "UnauthorizedError";
  override readonly status = 401;
  override readonly code = "unauthorized";
  override readonly type = "invalid_request_error";
}

/** An admin change that contradicts the configured registry (which wins) or an adapter already loaded. */
export class AdapterConflictError extends InferenceNodeError {
  override name = "AdapterConflictError";
  override readonly status = 409;
  override readonly code = "adapter_conflict";
  override readonly type = "invalid_request_error";
  override readonly param = "lora_name";
}
