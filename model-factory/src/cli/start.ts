import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { readDeployment } from "@payable-ai/sdk";
import { GatewayDataSource } from "../data/dataSource.js";
import type { ChainInfo } from "../service/app.js";
import { startFactory } from "../service/server.js";

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
  -h, --help             print this help and exit
`;

function parse() {
  return parseArgs({
    options: {
      port: { type: "string", default: "8789" },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string", default: ".data/factory" },
      gateway: { type: "string", default: "http://127.0.0.1:8788" },
      "web-dir": { type: "string", default: "web/dist" },
      "rpc-url": { type: "string" },
      inference: { type: "string" },
      model: { type: "string", multiple: true, default: ["llama-small=../inference-node/.data/model"] },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}

let values: ReturnType<typeof parse>["values"];
try {
  ({ values } = parse());
} catch (error) {
  // One line (node's message adds a hint after the first sentence), then the usage; exit 2.
  const message = ((error as Error).message.split("\n")[0] as string).replace(/\. To specify.*$/, "");
  process.stderr.write(`error: ${message}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const baseModels: Record<string, string> = {};
for (const entry of values.model ?? []) {
  const [name, directory] = entry.split("=");
  if (!name || !directory) throw new Error(`--model takes name=directory, got ${entry}`);
  baseModels[name] = directory;
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
});
console.log(`model factory listening on ${factory.url} (gateway ${values.gateway})`);
const stop = async () => {
  await factory.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
