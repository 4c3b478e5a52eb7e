import { BaseError } from "@payable-ai/sdk";

/** Statuses the service answers its own errors with; anything else is an internal 500. */
export type FactoryErrorStatus = 400 | 404 | 409 | 413 | 502;

/**
 * An error a client of the Model Factory can cause or act on: it answers `status` with
 * `{ error: { code, message } }`, and a job that fails with one shows its message as the reason.
 * Every other error is internal: its message and stack go to the log only.
 */
export class FactoryError extends BaseError {
  override name = "FactoryError";
  constructor(
    readonly status: FactoryErrorStatus,
    readonly code: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
