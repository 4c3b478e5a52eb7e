import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export type ServeHttpOptions = {
  /** The request handler (a Hono app's `fetch`). */
  fetch: (request: Request) => Response | Promise<Response>;
  /** 0 (the default) picks a free port. */
  port?: number | undefined;
  /** Default 127.0.0.1. */
  host?: string | undefined;
};

export type CloseHttpOptions = {
  /**
   * How long responses under way may take to finish once the server stops accepting
   * connections; then every connection is cut. Default 5000; 0 cuts at once.
   */
  graceMs?: number | undefined;
};

export type HttpService = {
  url: string;
  port: number;
  server: Server;
  /** Responses started and not yet finished. */
  readonly inFlight: number;
  /** Resolves `true` once no response is under way, or `false` after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean>;
  /**
   * Stops accepting connections, closes idle keep-alive ones as they appear, lets responses under
   * way finish for `graceMs`, then cuts what is left. Resolves `true` when every response was
   * delivered, `false` when some were cut. Calling it again returns the same promise.
   */
  close(options?: CloseHttpOptions): Promise<boolean>;
};

export const DEFAULT_CLOSE_GRACE_MS = 5000;
const IDLE_SWEEP_MS = 50;

/** Serves `fetch` over HTTP on `host:port`; resolves once listening, rejects if it cannot listen. */
export async function serveHttp(options: ServeHttpOptions): Promise<HttpService> {
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: options.fetch, port: options.port ?? 0, hostname: host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once("error", reject);
  });
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();
  server.on("request", (_request, response) => {
    inFlight++;
    response.once("close", () => {
      inFlight--;
      if (inFlight === 0) for (const wake of idleWaiters) wake();
    });
  });

  function whenIdle(timeoutMs: number): Promise<boolean> {
    if (inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        idleWaiters.delete(wake);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      idleWaiters.add(wake);
    });
  }

  let closing: Promise<boolean> | undefined;
  async function close({ graceMs = DEFAULT_CLOSE_GRACE_MS }: CloseHttpOptions = {}): Promise<boolean> {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Responses finishing now carry `connection: close`; idle keep-alive sockets are shut as found.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const delivered = graceMs > 0 ? await whenIdle(graceMs) : inFlight === 0;
    clearInterval(sweep);
    server.closeAllConnections();
    await closed;
    return delivered;
  }

  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    server,
    get inFlight() {
      return inFlight;
    },
    whenIdle,
    close(closeOptions) {
      closing ??= close(closeOptions);
      return closing;
    },
  };
}
