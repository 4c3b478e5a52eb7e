import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createGatewayApp, type GatewayDependencies } from "./app.js";
import { GatewayMetrics } from "./metrics.js";

/** How long `close` lets in-flight uploads and downloads finish before cutting them. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

export type RunningGateway = {
  url: string;
  port: number;
  /** Requests received and not yet answered in full. */
  readonly inFlight: number;
  /**
   * Drains, then stops: new requests get 503 `shutting_down` (`/health` says so too),
   * in-flight ones may finish for up to `timeoutMs` (default: the start option), then
   * every connection is closed.
   */
  close(options?: { timeoutMs?: number }): Promise<void>;
};

export type StartGatewayOptions = { port?: number; host?: string; shutdownTimeoutMs?: number };

/** Serves the gateway on `host:port` (port 0 picks a free one) until `close`. */
export async function startGateway(
  deps: GatewayDependencies,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const metrics = deps.metrics ?? new GatewayMetrics();
  let draining = false;
  const app = createGatewayApp({ ...deps, metrics, isDraining: () => draining });
  const host = options.host ?? "127.0.0.1";
  let inFlight = 0;
  let settled: (() => void) | undefined;
  let closing: Promise<void> | undefined;
  return new Promise((resolveStart, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: host },
      (info: AddressInfo) => {
        resolveStart({
          url: `http://${host}:${info.port}`,
          port: info.port,
          get inFlight() {
            return inFlight;
          },
          close: (closeOptions = {}) => {
            closing ??= drain(
              closeOptions.timeoutMs ?? options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
            );
            return closing;
          },
        });
      },
    ) as Server;
    server.on("request", (_request, response) => {
      inFlight++;
      metrics.requestsInFlight.set(inFlight);
      response.once("close", () => {
        inFlight--;
        metrics.requestsInFlight.set(inFlight);
        if (inFlight === 0) settled?.();
      });
    });
    server.once("error", reject);

    async function drain(timeoutMs: number): Promise<void> {
      draining = true;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((done) => {
          settled = done;
          timer = setTimeout(done, timeoutMs);
        });
        clearTimeout(timer);
      }
      await new Promise<void>((resolveClose, rejectClose) => {
        server.close((error) => (error ? rejectClose(error) : resolveClose()));
        server.closeAllConnections();
      });
    }
  });
}
