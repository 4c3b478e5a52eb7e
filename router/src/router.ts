import { serveHttp } from "@payable-ai/service";
import { type Logger, pino } from "pino";
import type { z } from "zod";
import { createApp } from "./app.js";
import { type NodeConfig, nodeListSchema } from "./config.js";
import { RouterMetrics } from "./metrics.js";
import { NodeState } from "./nodes.js";

export interface RouterOptions {
  /** Backends: a URL is a payable inference node; objects follow `nodeConfigSchema`. */
  nodes: readonly (string | z.input<typeof nodeListSchema>[number])[];
  /** How often every node's `/health` and `/v1/models` are read (default 1,000 ms). */
  pollMs?: number;
  /** Time a check may take before the node counts as down (default 2,000 ms). */
  checkTimeoutMs?: number;
  /** A node takes a new request while under `loadFactor` × the mean load (default 1.25). */
  loadFactor?: number;
  /** Time to connect to a node before trying the next one (default 1,000 ms). */
  connectTimeoutMs?: number;
  /** Largest accepted request body (default 1 MiB, as the inference node). */
  maxBodyBytes?: number;
  logger?: Logger;
}

/** Validates the node list, builds the app and the health checks; `start()` begins polling. */
export function createRouter(options: RouterOptions) {
  const logger = options.logger ?? pino({ name: "router" });
  const configs: NodeConfig[] = nodeListSchema.parse(
    options.nodes.map((n) => (typeof n === "string" ? { url: n } : n)),
  );
  const nodes = configs.map((config) => new NodeState(config));
  const metrics = new RouterMetrics();
  const pollMs = options.pollMs ?? 1000;
  const checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  const loadFactor = options.loadFactor ?? 1.25;
  if (!(loadFactor >= 1)) throw new Error(`loadFactor must be at least 1, not ${loadFactor}`);
  const app = createApp({
    nodes,
    metrics,
    logger,
    loadFactor,
    connectTimeoutMs: options.connectTimeoutMs ?? 1000,
    maxBodyBytes: options.maxBodyBytes ?? 1 << 20,
  });
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;

  /** Checks every node once (concurrently). */
  const refresh = () => {
    running ??= Promise.all(nodes.map((n) => n.check(checkTimeoutMs, logger))).then(() => {
      running = undefined;
    });
    return running;
  };
  const loop = async () => {
    await refresh();
    if (!stopped) timer = setTimeout(loop, pollMs);
  };
  return {
    app,
    nodes,
    metrics,
    logger,
    refresh,
    /** Checks every node, then keeps checking every `pollMs`. */
    async start() {
      await refresh();
      timer = setTimeout(loop, pollMs);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

export type Router = ReturnType<typeof createRouter>;

export interface StartedRouter {
  url: string;
  port: number;
  router: Router;
  /** Stops checking nodes and closes the listener; open responses get `graceMs` (default 5 s) to end. */
  close(graceMs?: number): Promise<void>;
}

/** Starts the router on a port (0 = any free port) after a first check of every node. */
export async function startRouter(
  options: RouterOptions & { port?: number; host?: string },
): Promise<StartedRouter> {
  const router = createRouter(options);
  await router.start();
  const http = await serveHttp({ fetch: router.app.fetch, port: options.port, host: options.host });
  return {
    url: http.url,
    port: http.port,
    router,
    async close(graceMs = 5000) {
      await router.stop();
      await http.close({ graceMs });
    },
  };
}
