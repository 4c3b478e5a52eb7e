/** Fields shared by every error the SDK throws. */
export type BaseErrorParameters = {
  /** Extra lines appended to the message (offending values, hints). */
  details?: string | undefined;
  /** The underlying error, kept for `walk` and debugging. */
  cause?: unknown;
  /** Lines of `name: value` pairs printed under the summary. */
  metaMessages?: readonly string[] | undefined;
};

export type BaseErrorType = BaseError & { name: "PayableAiError" };

/**
 * Root of every error thrown by `@payable-ai/sdk`: `shortMessage` is one line for
 * a UI, `message` adds the details and metadata, `walk` follows the cause chain
 * (viem errors included).
 */
export class BaseError extends Error {
  override name = "PayableAiError";
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: readonly string[] | undefined;

  constructor(shortMessage: string, parameters: BaseErrorParameters = {}) {
    const lines = [shortMessage];
    if (parameters.metaMessages?.length) lines.push("", ...parameters.metaMessages);
    if (parameters.details) lines.push("", `Details: ${parameters.details}`);
    super(lines.join("\n"), parameters.cause === undefined ? undefined : { cause: parameters.cause });
    this.shortMessage = shortMessage;
    this.details = parameters.details;
    this.metaMessages = parameters.metaMessages;
  }

  /** The deepest cause, or the first one for which `predicate` holds. */
  walk(predicate?: (error: unknown) => boolean): unknown {
    return walkError(this, predicate);
  }
}

/** Follows `cause` links; returns the first match of `predicate`, or the last error when none is given. */
export function walkError(error: unknown, predicate?: (error: unknown) => boolean): unknown {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current)) {
    if (predicate?.(current)) return current;
    seen.add(current);
    const next = (current as { cause?: unknown }).cause;
    if (next === undefined || next === null) return predicate ? undefined : current;
    current = next;
  }
  return predicate ? undefined : current;
}
