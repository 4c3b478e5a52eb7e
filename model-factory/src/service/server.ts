import { serveHttp } from "@payable-ai/service";
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
    chain: options.chain,
    inferenceUrl: options.inferenceUrl,
  });
  const http = await serveHttp({ fetch: app.fetch, port: options.port, host: options.host });
  return {
    url: http.url,
    port: http.port,
    jobs,
    close: async () => {
      await jobs.close();
      // Event streams of a job stay open while it runs: once the jobs stopped there is nothing to wait for.
      await http.close({ graceMs: 0 });
    },
  };
}
