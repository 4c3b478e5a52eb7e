import { readDeployment } from "@payable-ai/sdk/node";
import { defineCommandLine, exitWithUsage, parseOrExit } from "@payable-ai/service";
import { pino } from "pino";
import { GatewayDataSource } from "../data/dataSource.js";
import type { ChainInfo } from "../service/app.js";
import { startFactory } from "../service/server.js";

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

const factoryCommandLine = defineCommandLine({
  program: "model-factory",
  summary: "The Model Factory's job service: fine-tunes LoRA adapters on datanets read through the gateway.",
  envPrefix: "MODEL_FACTORY",
  options: {
    port: { kind: "integer", default: "8789", help: "HTTP port (0: any free port)" },
    host: { kind: "string", default: "127.0.0.1", help: "address to listen on" },
    "data-dir": { kind: "string", default: ".data/factory", help: "jobs, checkpoints and outputs" },
    gateway: {
      kind: "string",
      default: "http://127.0.0.1:8788",
      value: "URL",
      help: "data gateway: training data and publishing",
    },
    "rpc-url": {
      kind: "string",
      value: "URL",
      help: "JSON-RPC for on-chain steps; the deployment is read from deployments/<chainId>.json",
    },
    inference: { kind: "string", value: "URL", help: "inference node for the chat playground" },
    model: {
      kind: "list",
      default: "llama-small=../inference-node/.data/model",
      value: "NAME=DIR",
      help: "a base model",
    },
    "log-level": {
      kind: "string",
      default: "info",
      help: `pino level: ${LOG_LEVELS.join(", ")}; JSON lines on stdout`,
    },
  },
});

const { options: values } = parseOrExit(factoryCommandLine);
function fail(message: string): never {
  return exitWithUsage(factoryCommandLine, message);
}
if (!LOG_LEVELS.includes(values["log-level"]))
  fail(`--log-level "${values["log-level"]}" is not one of ${LOG_LEVELS.join(", ")}`);
const logger = pino({ name: "model-factory", level: values["log-level"] });

const baseModels: Record<string, string> = {};
for (const entry of values.model) {
  const [name, directory] = entry.split("=");
  if (!name || !directory) fail(`--model takes name=directory, got ${entry}`);
  baseModels[name as string] = directory as string;
}
const dataSource = new GatewayDataSource(values.gateway);
let chain: ChainInfo | undefined;
if (values["rpc-url"]) {
  const { chainId } = await dataSource.domain();
  chain = { rpcUrl: values["rpc-url"], deployment: await readDeployment({ chainId }) };
}
const factory = await startFactory({
  port: values.port,
  host: values.host,
  dataDir: values["data-dir"],
  baseModels,
  dataSource,
  chain,
  inferenceUrl: values.inference,
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
