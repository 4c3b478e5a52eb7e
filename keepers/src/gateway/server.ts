import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createGatewayApp, type GatewayDependencies } from "./app.js";

export type RunningGateway = { url: string; port: number; close(): Promise<void> };

/** Serves the gateway on `host:port` (port 0 picks a free one) until `close`. */
export async function startGateway(
  deps: GatewayDependencies,
  options: { port?: number; host?: string } = {},
): Promise<RunningGateway> {
  const app = createGatewayApp(deps);
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolveStart, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: host },
      (info: AddressInfo) => {
        resolveStart({
          url: `http://${host}:${info.port}`,
          port: info.port,
          close: () =>
            new Promise<void>((resolveClose, rejectClose) => {
              server.close((error) => (error ? rejectClose(error) : resolveClose()));
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        });
      },
    );
    server.once("error", reject);
  });
}
