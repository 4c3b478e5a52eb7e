import { BaseError } from "@payable-ai/sdk";

/**
 * Errors the router answers itself. Bodies have the inference node's shape
 * (`{ error: { message, type, code, param } }`), so a client cannot tell a router from a node.
 */
export class RouterError extends BaseError {
  readonly status: number = 500;
  readonly code: string = "internal_error";
  readonly type: string = "server_error";
  readonly param: string | null = null;
  /** Extra response headers (`retry-after`). */
  readonly headers: Record<string, string> = {};
}

export class InvalidRequestError extends RouterError {
  override name = "InvalidRequestError";
  override readonly status = 400;
  override readonly code = "invalid_request";
  override readonly type = "invalid_request_error";
  constructor(
    message: string,
    override readonly param: string | null = null,
  ) {
    super(message);
  }
}

export class BodyTooLargeError extends RouterError {
  override name = "BodyTooLargeError";
  override readonly status = 413;
  override readonly code = "body_too_large";
  override readonly type = "invalid_request_error";
  constructor(readonly maxBytes: number) {
    super(`the request body is larger than ${maxBytes} bytes`);
  }
}

export class ModelNotFoundError extends RouterError {
  override name = "ModelNotFoundError";
  override readonly status = 404;
  override readonly code = "model_not_found";
  override readonly type = "invalid_request_error";
  constructor(readonly model: string) {
    super(`model "${model}" is neither "base" nor an adapter any node serves`);
  }
}

/** No node that could serve the request is up; nothing was sent anywhere. */
export class NoNodeAvailableError extends RouterError {
  override name = "NoNodeAvailableError";
  override readonly status = 503;
  override readonly code = "no_node_available";
  override readonly headers = { "retry-after": "1" };
  constructor(readonly model: string) {
    super(`no inference node that serves "${model}" is reachable; retry later`);
  }
}

/**
 * The node failed after the request reached it. It may have been served there, so the router
 * does not send it again (a retry could serve, and bill, one request twice).
 */
export class UpstreamFailedError extends RouterError {
  override name = "UpstreamFailedError";
  override readonly status = 502;
  override readonly code = "upstream_failed";
  constructor(
    readonly node: string,
    readonly reason: string,
  ) {
    super(`the inference node ${node} failed while serving the request (${reason}); it was not retried`);
  }
}

export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/** The one place mapping failures to HTTP statuses, headers and bodies. */
export function toErrorResponse(error: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (error instanceof RouterError) {
    return {
      status: error.status,
      body: { error: { message: error.message, type: error.type, code: error.code, param: error.param } },
      headers: error.headers,
    };
  }
  return {
    status: 500,
    body: { error: { message: "internal error", type: "server_error", code: "internal_error", param: null } },
    headers: {},
  };
}
