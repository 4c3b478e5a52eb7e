import { BaseError } from "@payable-ai/sdk";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * An error the gateway answers with a 4xx/5xx status. Every failure a client can
 * cause is one of these; `code` is stable for programs, `message` for people.
 */
export class GatewayError extends BaseError {
  override name = "GatewayError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    /** Sent as `Retry-After` (seconds). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new GatewayError(400, code, message);
export const unauthorized = (code: string, message: string) => new GatewayError(401, code, message);
export const forbidden = (code: string, message: string) => new GatewayError(403, code, message);
export const notFound = (code: string, message: string) => new GatewayError(404, code, message);
export const conflict = (code: string, message: string) => new GatewayError(409, code, message);
export const payloadTooLarge = (limit: number) =>
  new GatewayError(413, "payload_too_large", `the body exceeds the upload limit of ${limit} bytes`);
export const tooManyRequests = (code: string, message: string, retryAfterSeconds: number) =>
  new GatewayError(429, code, message, retryAfterSeconds);
export const shuttingDown = () =>
  new GatewayError(503, "shutting_down", "the gateway is shutting down: retry on another instance", 1);
