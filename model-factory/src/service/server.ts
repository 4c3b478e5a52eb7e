import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type ChainInfo, createFactoryApp } from "./app.js";
import { JobManager, type JobManagerOptions } from "./jobs.js";

export interface RunningFactory {
  url: string;
  port: number;
  jobs: JobManager;
  /** Stops accepting requests and stops the running job at its last checkpoint (it resumes on the next start). */
  close(): Promise<void>;
}

/** Starts the job service on `host:port` (port 0 picks a free one). */
export async function startFactory(
  options: JobManagerOptions & {
    port?: number;
    host?: string;
    webDir?: string;
    chain?: ChainInfo;
    inferenceUrl?: string;
    maxBodyBytes?: number;
  },
): Promise<RunningFactory> {
  const jobs = await JobManager.open(options);
  const app = createFactoryApp({
    jobs,
    logger: options.logger,
    maxBodyBytes: options.maxBodyBytes,
    webDir: options.webDir,
    chain: options.chain,
    inferenceUrl: options.inferenceUrl,
  });
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolveStart, reject) => {
    const server = serve(
      { fetch: app.fetch, port: options.port ?? 0, hostname: host },
      (info: AddressInfo) => {
        resolveStart({
          url: `http://${host}:${info.port}`,
          port: info.port,
          jobs,
          close: async () => {
            await jobs.close();
            await new Promise<void>((resolveClose, rejectClose) => {
              server.close((error) => (error ? rejectClose(error) : resolveClose()));
              (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            });
          },
        });
      },
    );
    server.once("error", reject);
  });
}
