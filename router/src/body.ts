import { BodyTooLargeError, InvalidRequestError } from "./errors.js";

/** How much of an oversized body is read and dropped before the 413, so the client sees it. */
const DRAIN_BYTES = 16 << 20;

/**
 * Reads a request body of at most `maxBytes`. An oversized body is read to its end (up to 16 MiB)
 * before the 413: answering while the client still writes reaches it as a connection reset.
 */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > DRAIN_BYTES) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    if (size <= maxBytes) chunks.push(value);
  }
  if (size > maxBytes) throw new BodyTooLargeError(maxBytes);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The fields the router routes on; everything else is the node's to validate. */
export interface RoutedFields {
  json: Record<string, unknown>;
  model: string;
  stream: boolean;
  mergedIds: string[] | undefined;
}

export function routedFields(bytes: Uint8Array): RoutedFields {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new InvalidRequestError("the request body is not valid JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new InvalidRequestError("the request body must be a JSON object");
  const body = json as Record<string, unknown>;
  if (typeof body.model !== "string" || body.model.length === 0)
    throw new InvalidRequestError("model: a non-empty string is required", "model");
  if (body.stream !== undefined && typeof body.stream !== "boolean")
    throw new InvalidRequestError("stream: expected a boolean", "stream");
  let mergedIds: string[] | undefined;
  if (body.merged_adapters !== undefined) {
    const ids = (body.merged_adapters as { ids?: unknown } | null)?.ids;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      !ids.every((id) => typeof id === "string" && id.length > 0)
    )
      throw new InvalidRequestError(
        "merged_adapters.ids: a non-empty list of adapter ids is required",
        "merged_adapters.ids",
      );
    mergedIds = ids as string[];
  }
  return { json: body, model: body.model, stream: body.stream === true, mergedIds };
}
