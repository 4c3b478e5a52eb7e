import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readDeployment } from "@payable-ai/sdk/node";
import { pino } from "pino";
import { GatewayDataSource } from "../data/dataSource.js";
import type { ChainInfo } from "../service/app.js";
import { startFactory } from "../service/server.js";

const defaults = {
  port: "8789",
  host: "127.0.0.1",
  "data-dir": ".data/factory",
  gateway: "http://127.0.0.1:8788",
  "web-dir": "web/dist",
  model: ["llama-small=../inference-node/.data/model"],
  "log-level": "info",
} as const;

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

const usage = `usage: model-factory [options]

options:
  --port <n>             HTTP port (default: 8789)
  --host <address>       address to listen on (default: 127.0.0.1)
  --data-dir <dir>       jobs, checkpoints and outputs (default: .data/factory)
  --gateway <url>        data gateway: training data and publishing (default: http://127.0.0.1:8788)
  --web-dir <dir>        the built web app, served at / when present (default: web/dist)
  --rpc-url <url>        JSON-RPC for the web app's on-chain steps; the deployment is read from
                         deployments/<chainId>.json
  --inference <url>      inference node for the chat playground
  --model <name=dir>     a base model, repeatable (default: llama-small=../inference-node/.data/model)
  --log-level <level>    pino level: trace, debug, info, warn, error, fatal or silent (default: info);
                         logs are JSON lines on stdout
  --config <file.json>   options as JSON, keys as the flags' names (e.g. {"data-dir": "/var/lib/factory"})
  -h, --help             print this help and exit

Every option can also be set as MODEL_FACTORY_<NAME> (e.g. MODEL_FACTORY_DATA_DIR; MODEL_FACTORY_MODEL
takes a comma-separated list). Flags win over the environment, the environment over the config file.
`;

const fail = (message: string): never => {
  process.stderr.write(`error: ${message}\n\n${usage}`);
  process.exit(2);
};

function parse() {
  return parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "data-dir": { type: "string" },
      gateway: { type: "string" },
      "web-dir": { type: "string" },
      "rpc-url": { type: "string" },
      inference: { type: "string" },
      model: { type: "string", multiple: true },
      "log-level": { type: "string" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}

let flags: ReturnType<typeof parse>["values"] = {};
try {
  ({ values: flags } = parse());
} catch (error) {
  // One line (node's message adds a hint after the first sentence), then the usage; exit 2.
  fail(((error as Error).message.split("\n")[0] as string).replace(/\. To specify.*$/, ""));
}
if (flags.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const OPTION_NAMES = [
  "port",
  "host",
  "data-dir",
  "gateway",
  "web-dir",
  "rpc-url",
  "inference",
  "model",
  "log-level",
] as const;
type OptionName = (typeof OPTION_NAMES)[number];
const envOf = (name: string) => {
  const value = process.env[`MODEL_FACTORY_${name.toUpperCase().replaceAll("-", "_")}`];
  return value === undefined || value === "" ? undefined : value;
};
const configPath = flags.config ?? envOf("config");
let config: Record<string, unknown> = {};
if (configPath !== undefined) {
  try {
    config = JSON.parse(readFileSync(configPath, "utf8")) as Record<string, unknown>;
  } catch (error) {
    fail(`--config ${configPath}: ${(error as Error).message}`);
  }
  for (const key of Object.keys(config)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key))
      fail(`--config ${configPath}: unknown option "${key}"`);
  }
}
function option(name: Exclude<OptionName, "model">): string | undefined {
  const fromConfig = config[name];
  if (fromConfig !== undefined && typeof fromConfig !== "string")
    fail(`--config: "${name}" must be a string`);
  return (
    flags[name] ??
    envOf(name) ??
    (fromConfig as string | undefined) ??
    defaults[name as keyof typeof defaults]?.toString()
  );
}
const modelsFromConfig = config.model;
if (modelsFromConfig !== undefined && !Array.isArray(modelsFromConfig))
  fail('--config: "model" must be a list');
const values = {
  port: option("port") as string,
  host: option("host") as string,
  "data-dir": option("data-dir") as string,
  gateway: option("gateway") as string,
  "web-dir": option("web-dir") as string,
  "rpc-url": option("rpc-url"),
  inference: option("inference"),
  "log-level": option("log-level") as string,
  model: flags.model ??
    envOf("model")?.split(",") ??
    (modelsFromConfig as string[] | undefined) ?? [...defaults.model],
};

if (!LOG_LEVELS.includes(values["log-level"]))
  fail(`--log-level "${values["log-level"]}" is not one of ${LOG_LEVELS.join(", ")}`);
const logger = pino({ name: "model-factory", level: values["log-level"] });

const baseModels: Record<string, string> = {};
for (const entry of values.model ?? []) {
  const [name, directory] = entry.split("=");
  if (!name || !directory) fail(`--model takes name=directory, got ${entry}`);
  baseModels[name as string] = directory as string;
}
const dataSource = new GatewayDataSource(values.gateway as string);
let chain: ChainInfo | undefined;
if (values["rpc-url"]) {
  const { chainId } = await dataSource.domain();
  chain = { rpcUrl: values["rpc-url"], deployment: await readDeployment({ chainId }) };
}
const factory = await startFactory({
  port: Number(values.port),
  host: values.host,
  dataDir: values["data-dir"] as string,
  baseModels,
  dataSource,
  chain,
  inferenceUrl: values.inference,
  webDir: existsSync(values["web-dir"] as string) ? values["web-dir"] : undefined,
  logger,
});
logger.info({ url: factory.url, gateway: values.gateway, baseModels }, "model factory listening");
const stop = async (signal: string) => {
  logger.info({ signal }, "shutting down");
  await factory.close();
  process.exit(0);
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));
