import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { readDeployment } from "@payable-ai/sdk";
import { GatewayDataSource } from "../data/dataSource.js";
import type { ChainInfo } from "../service/app.js";
import { startFactory } from "../service/server.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8789" },
    host: { type: "string", default: "127.0.0.1" },
    "data-dir": { type: "string", default: ".data/factory" },
    gateway: { type: "string", default: "http://127.0.0.1:8788" },
    /** The built web app (npm run build:web); served at / when present. */
    "web-dir": { type: "string", default: "web/dist" },
    /** JSON-RPC URL for the web app's on-chain steps; the deployment is read from deployments/<chainId>.json. */
    "rpc-url": { type: "string" },
    /** Inference node for the chat playground. */
    inference: { type: "string" },
    /** name=directory, repeatable */
    model: { type: "string", multiple: true, default: ["llama-small=../inference-node/.data/model"] },
  },
});

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
