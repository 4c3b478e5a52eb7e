import { type IncomingMessage, request } from "node:http";
import { request as httpsRequest } from "node:https";
import { BaseError } from "@payable-ai/sdk";

/** The connection to the node was never established: nothing was sent, so another node may serve it. */
export class UnreachableError extends BaseError {
  override name = "UnreachableError";
}

/** The node failed after the connection was made: the request may have reached it. */
export class ReachedError extends BaseError {
  override name = "ReachedError";
}

export interface UpstreamRequest {
  url: string;
  body: Uint8Array;
  headers: Record<string, string>;
  /** Time allowed to establish the connection; past it the node counts as unreachable. */
  connectTimeoutMs: number;
  signal: AbortSignal;
}

/**
 * POSTs `body` on a fresh connection and resolves with the response head. A fresh connection per
 * request is what makes "never reached" decidable: an error before the socket connected means no
 * byte left, whereas a reused keep-alive socket can fail after the node read the request.
 */
export function postUpstream(options: UpstreamRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let connected = false;
    const send = options.url.startsWith("https:") ? httpsRequest : request;
    const req = send(options.url, {
      method: "POST",
      agent: false,
      headers: {
        ...options.headers,
        "content-type": "application/json",
        "content-length": String(options.body.byteLength),
        connection: "close",
      },
    });
    const timer = setTimeout(() => {
      if (!connected)
        req.destroy(new UnreachableError(`no connection within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    const abort = () => req.destroy(new ReachedError("the client went away"));
    if (options.signal.aborted) abort();
    options.signal.addEventListener("abort", abort, { once: true });
    req.on("socket", (socket) => {
      const onConnect = () => {
        connected = true;
        clearTimeout(timer);
      };
      if (socket.connecting)
        socket.once(options.url.startsWith("https:") ? "secureConnect" : "connect", onConnect);
      else onConnect();
    });
    req.on("response", (res) => {
      options.signal.removeEventListener("abort", abort);
      // From here the body's own stream carries failures; the client's abort still cuts it.
      const cut = () => res.destroy(new ReachedError("the client went away"));
      options.signal.addEventListener("abort", cut, { once: true });
      res.once("close", () => options.signal.removeEventListener("abort", cut));
      resolve(res);
    });
    req.on("error", (error) => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", abort);
      if (error instanceof UnreachableError || error instanceof ReachedError) reject(error);
      else if (!connected) reject(new UnreachableError(error.message));
      else reject(new ReachedError(error.message));
    });
    req.end(options.body);
  });
}

/** The whole body of a response. */
export async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
