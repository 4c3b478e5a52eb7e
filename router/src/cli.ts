import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { z } from "zod";
import { nodeConfigSchema } from "./config.js";
import { startRouter } from "./router.js";

const usage = `usage: router [options]

options:
  --node <url>               a payable inference node (repeat for each node)
  --config <file.json>       settings file: { "nodes": [ "<url>" | { "url", "name", "kind", "adapters", "apiKey" } ],
                             "port", "host", "pollMs", "loadFactor", "connectTimeoutMs" }
  --port <n>                 listen port, 0 = any free port (default: 8095)
  --host <address>           bind address (default: 127.0.0.1)
  --poll-ms <n>              how often each node's /health and /v1/models are read (default: 1000)
  --load-factor <x>          a node takes new work while under x times the mean load (default: 1.25)
  --connect-timeout-ms <n>   time to connect to a node before trying the next (default: 1000)
  --log-level <level>        pino level (default: info)
  -h, --help                 print this help and exit

Nodes from --node and from the file's "nodes" are all used. Flags override the file.
`;

function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n\n${usage}`);
  process.exit(2);
}

const fileSchema = z
  .object({
    nodes: z.array(z.union([z.string(), z.unknown()])).optional(),
    port: z.number().int().min(0).max(65535).optional(),
    host: z.string().min(1).optional(),
    pollMs: z.number().int().positive().optional(),
    loadFactor: z.number().min(1).optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

let values: Record<string, string | string[] | boolean | undefined>;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      node: { type: "string", multiple: true },
      config: { type: "string" },
      port: { type: "string" },
      host: { type: "string" },
      "poll-ms": { type: "string" },
      "load-factor": { type: "string" },
      "connect-timeout-ms": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }));
} catch (error) {
  usageError(((error as Error).message.split("\n")[0] as string).replace(/\. To specify.*$/, ""));
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

async function readConfig(path: string | undefined): Promise<z.output<typeof fileSchema>> {
  if (!path) return {};
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    return usageError(`--config ${path}: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    usageError(`--config ${path}: ${issue?.path.join(".") || "file"}: ${issue?.message}`);
  }
  return parsed.data;
}

const number = (flag: string, fallback: number, min: number, integer = true): number => {
  const raw = values[flag];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isSafeInteger(value)))
    usageError(`--${flag} must be ${integer ? "an integer" : "a number"} ≥ ${min}, not "${raw}"`);
  return value;
};

const file = await readConfig(values.config as string | undefined);
const nodes = [...((values.node as string[] | undefined) ?? []), ...(file.nodes ?? [])].map((n) =>
  typeof n === "string" ? { url: n } : n,
);
if (nodes.length === 0) usageError("give at least one --node <url> (or nodes in --config)");
for (const [i, node] of nodes.entries()) {
  const parsed = nodeConfigSchema.safeParse(node);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    usageError(`node ${i + 1}: ${issue?.path.join(".") || "node"}: ${issue?.message}`);
  }
}

const logger = pino({ name: "router", level: (values["log-level"] as string | undefined) ?? "info" });
let server: Awaited<ReturnType<typeof startRouter>>;
try {
  server = await startRouter({
    nodes: nodes as Parameters<typeof startRouter>[0]["nodes"],
    port: number("port", file.port ?? 8095, 0),
    host: (values.host as string | undefined) ?? file.host,
    pollMs: number("poll-ms", file.pollMs ?? 1000, 1),
    loadFactor: number("load-factor", file.loadFactor ?? 1.25, 1, false),
    connectTimeoutMs: number("connect-timeout-ms", file.connectTimeoutMs ?? 1000, 1),
    logger,
  });
} catch (error) {
  usageError((error as Error).message);
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
