import { defineCommandLine, exitWithUsage, parseOrExit } from "@payable-ai/service";
import { pino } from "pino";
import type { z } from "zod";
import { nodeConfigSchema } from "./config.js";
import { startRouter } from "./router.js";

const routerCommandLine = defineCommandLine({
  program: "router",
  summary: "Routes OpenAI-compatible requests over many inference nodes by adapter residency and placement.",
  envPrefix: "ROUTER",
  options: {
    node: {
      kind: "entries",
      value: "URL",
      help: 'a node: a URL, or in --config an object { "url", "name", "kind", "adapters", "apiKey" }',
    },
    port: { kind: "integer", default: "8095", help: "listen port, 0 = any free port" },
    host: { kind: "string", default: "127.0.0.1", help: "bind address" },
    "poll-ms": {
      kind: "integer",
      default: "1000",
      min: 1,
      help: "how often each node's /health and /v1/models are read",
    },
    "load-factor": {
      kind: "number",
      default: "1.25",
      min: 1,
      help: "a node takes new work while under this times the mean load",
    },
    "connect-timeout-ms": {
      kind: "integer",
      default: "1000",
      min: 1,
      help: "time to connect to a node before trying the next",
    },
    "log-level": { kind: "string", default: "info", help: "pino level" },
  },
});

const { options } = parseOrExit(routerCommandLine);
function fail(message: string): never {
  return exitWithUsage(routerCommandLine, message);
}
if (options.node.length === 0) fail('give at least one --node <url> (or "node" in --config)');
// Checked here for a one-line error naming the node; the router parses them again.
const nodes = options.node.map((node, i) => {
  const input = typeof node === "string" ? { url: node } : node;
  const parsed = nodeConfigSchema.safeParse(input);
  if (parsed.success) return input as z.input<typeof nodeConfigSchema>;
  const issue = parsed.error.issues[0];
  return fail(`node ${i + 1}: ${issue?.path.join(".") || "node"}: ${issue?.message}`);
});

const logger = pino({ name: "router", level: options["log-level"] });
let server: Awaited<ReturnType<typeof startRouter>>;
try {
  server = await startRouter({
    nodes,
    port: options.port,
    host: options.host,
    pollMs: options["poll-ms"],
    loadFactor: options["load-factor"],
    connectTimeoutMs: options["connect-timeout-ms"],
    logger,
  });
} catch (error) {
  fail((error as Error).message);
}
logger.info(
  {
    url: server.url,
    nodes: server.router.nodes.map((n) => ({ name: n.name, url: n.url, status: n.status })),
  },
  "router listening",
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    logger.info({ signal }, "shutting down");
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
