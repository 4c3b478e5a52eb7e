import { BaseError } from "../errors/base.js";

/** Options of every HTTP read the SDK makes of a protocol service (keeper, data gateway). */
export type HttpRequestParameters = {
  /** Abort the request after this many milliseconds. Default: 10 000. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
};

export type HttpRequestErrorType = HttpRequestError;

/**
 * A service could not be reached, or answered with an error. `status` is the HTTP status and
 * `code` the service's error code (`{ error: { code, message } }`) when there was an answer.
 */
export class HttpRequestError extends BaseError {
  override name = "HttpRequestError";
  readonly url: string;
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(
    shortMessage: string,
    {
      url,
      status,
      code,
      details,
      cause,
    }: { url: string; status?: number; code?: string | undefined; details?: string; cause?: unknown },
  ) {
    super(shortMessage, {
      details,
      cause,
      metaMessages: [`URL: ${url}`, ...(status === undefined ? [] : [`Status: ${status}`])],
    });
    this.url = url;
    this.status = status;
    this.code = code;
  }
}

/** What {@link httpRequest} sends beyond a GET. */
export type HttpCallParameters = HttpRequestParameters & {
  method?: "GET" | "POST" | "PUT" | undefined;
  headers?: Record<string, string> | undefined;
  body?: Uint8Array | string | undefined;
};

/**
 * Sends a request bounded by `timeoutMs` (the body is read under the same bound by the caller,
 * through the same signal) and returns the response, or throws {@link HttpRequestError} for a
 * failure or an error status, with the service's `{ error: { code, message } }` when it sent one.
 */
export async function httpRequest(
  url: string,
  { timeoutMs = 10_000, signal, method = "GET", headers, body }: HttpCallParameters = {},
): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body as BodyInit | undefined,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (cause) {
    const timedOut = timeout.aborted && !signal?.aborted;
    throw new HttpRequestError(
      timedOut
        ? `${method} ${url} timed out after ${timeoutMs} ms.`
        : signal?.aborted
          ? `${method} ${url} was aborted.`
          : `${url} is unreachable.`,
      { url, cause, code: timedOut ? "timeout" : signal?.aborted ? "aborted" : undefined },
    );
  }
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    let code: string | undefined;
    let message = text.slice(0, 500);
    try {
      const error = (JSON.parse(text) as { error?: unknown }).error;
      if (typeof error === "string") message = error;
      else if (typeof error === "object" && error !== null) {
        const e = error as { code?: unknown; message?: unknown };
        if (typeof e.code === "string") code = e.code;
        if (typeof e.message === "string") message = e.message;
      }
    } catch {}
    throw new HttpRequestError(`${method} ${url} failed with ${response.status}${code ? ` ${code}` : ""}.`, {
      url,
      status: response.status,
      code,
      details: message || undefined,
    });
  }
  return response;
}

/** GETs `url` and returns the response, or throws {@link HttpRequestError} for a failure or an error status. */
export function httpGet(url: string, parameters: HttpRequestParameters = {}): Promise<Response> {
  return httpRequest(url, parameters);
}

/** The body of `response` as bytes, read under the request's bound. */
export async function readBytes(response: Response, url: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new HttpRequestError(`Reading the body of ${url} failed.`, { url, status: response.status, cause });
  }
}

/** The JSON body of `response`. */
export async function readJson<T>(response: Response, url: string): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (cause) {
    throw new HttpRequestError(`${url} did not answer JSON.`, { url, status: response.status, cause });
  }
}

/** GETs `url` and parses its JSON body. */
export async function httpGetJson<T>(url: string, parameters: HttpRequestParameters = {}): Promise<T> {
  return readJson<T>(await httpGet(url, parameters), url);
}

/** `base` and `path` joined by one slash, whatever `base` ends with. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
