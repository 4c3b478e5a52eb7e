import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { InferenceNodeError, InvalidRequestError } from "../errors.js";

export interface ErrorBody {
  error: { message: string; type: string; code: string; param: string | null };
}

/** The one place that maps failures to HTTP statuses and OpenAI-style error bodies. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
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
    };
  }
  if (error instanceof HTTPException) {
    const type = error.status < 500 ? "invalid_request_error" : "server_error";
    return {
      status: error.status,
      body: { error: { message: error.message, type, code: `http_${error.status}`, param: null } },
    };
  }
  return {
    status: 500,
    body: { error: { message: "internal error", type: "server_error", code: "internal_error", param: null } },
  };
}
