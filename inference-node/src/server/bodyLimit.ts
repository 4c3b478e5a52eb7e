import type { MiddlewareHandler } from "hono";
import { BodyTooLargeError } from "../errors.js";

export interface BodyLimitOptions {
  /** Largest accepted body. */
  maxBytes: number;
  /** How much of an oversized body is read and discarded before the 413 (default 16 MiB). */
  drainBytes?: number;
  /** How long discarding it may take (default 5 s). */
  drainMs?: number;
}

/**
 * Refuses bodies over `maxBytes` with BodyTooLargeError (413). The rest of an oversized body is
 * read off the connection first: a response sent while the client is still writing, on a socket
 * that is then closed or reused, reaches the client as a reset instead of the 413. A body too big
 * or too slow to discard gets the 413 with `connection: close`.
 */
export function bodyLimit(options: BodyLimitOptions): MiddlewareHandler {
  const { maxBytes, drainBytes = 16 << 20, drainMs = 5000 } = options;
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.raw.headers.has("transfer-encoding") ? null : c.req.header("content-length");
    if (declared != null) {
      const length = Number(declared);
      if (length <= maxBytes) return next();
      const drained = length <= drainBytes && (await discard(body.getReader(), drainBytes, drainMs));
      throw new BodyTooLargeError(maxBytes, !drained);
    }
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > maxBytes) {
        const drained = await discard(reader, drainBytes - size, drainMs);
        throw new BodyTooLargeError(maxBytes, !drained);
      }
      chunks.push(value);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.length;
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    return next();
  };
}

/** Reads the stream to its end, discarding it; false when it is longer than `budget` or slower than `ms`. */
async function discard(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  budget: number,
  ms: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const read = (async () => {
    let left = budget;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return true;
      left -= value.length;
      if (left < 0) return false;
    }
  })().catch(() => false);
  const drained = await Promise.race([read, timedOut]);
  clearTimeout(timer);
  if (!drained) reader.cancel().catch(() => {});
  return drained;
}
