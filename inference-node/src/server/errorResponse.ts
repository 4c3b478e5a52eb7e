import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import {
  BodyTooLargeError,
  InferenceNodeError,
  InvalidRequestError,
  QueueFullError,
  ShuttingDownError,
  UnauthorizedError,
} from "../errors.js";

export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** Seconds a client is told to wait before retrying on a node that is shutting down. */
export const SHUTDOWN_RETRY_AFTER_SECONDS = 5;

/** Headers that go with an error: when to retry, and whether the connection is done. */
function errorHeaders(error: InferenceNodeError): Record<string, string> {
  if (error instanceof QueueFullError) return { "retry-after": String(error.retryAfterSeconds) };
  if (error instanceof ShuttingDownError)
    return { "retry-after": String(SHUTDOWN_RETRY_AFTER_SECONDS), connection: "close" };
  if (error instanceof BodyTooLargeError && error.closeConnection) return { connection: "close" };
  if (error instanceof UnauthorizedError)
    return { "www-authenticate": 'Bearer realm="inference-node admin"' };
  return {};
}

/** The one place that maps failures to HTTP statuses, headers and OpenAI-style error bodies. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const param = issue?.path.join(".") || null;
    return toErrorResponse(
      new InvalidRequestError(`${param ?? "body"}: ${issue?.message ?? "invalid"}`, param),
    );
  }
  if (error instanceof InferenceNodeError) {
    return {
      status: error.status,
      body: { error: { message: error.message, type: error.type, code: error.code, param: error.param } },
      headers: errorHeaders(error),
    };
  }
  if (error instanceof HTTPException) {
    const type = error.status < 500 ? "invalid_request_error" : "server_error";
    return {
      status: error.status,
      body: { error: { message: error.message, type, code: `http_${error.status}`, param: null } },
      headers: {},
    };
  }
  return {
    status: 500,
    body: { error: { message: "internal error", type: "server_error", code: "internal_error", param: null } },
    headers: {},
  };
}
