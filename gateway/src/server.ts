import { serveHttp } from "@payable-ai/service";
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
  const http = await serveHttp({ fetch: app.fetch, port: options.port, host: options.host });
  const track = () => metrics.requestsInFlight.set(http.inFlight);
  http.server.on("request", (_request, response) => {
    track();
    response.once("close", track);
  });
  let closing: Promise<void> | undefined;
  // While draining the gateway keeps accepting connections, so that a client learns it is
  // shutting down (503 `shutting_down`) instead of meeting a refused connection.
  async function drain(timeoutMs: number): Promise<void> {
    draining = true;
    await http.whenIdle(timeoutMs);
    await http.close({ graceMs: 0 });
  }
  return {
    url: http.url,
    port: http.port,
    get inFlight() {
      return http.inFlight;
    },
    close: (closeOptions = {}) => {
      closing ??= drain(closeOptions.timeoutMs ?? options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS);
      return closing;
    },
  };
}
