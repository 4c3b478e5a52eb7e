import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { serveHttp } from "@payable-ai/service";
import { type AppConfig, createAppServer } from "./appServer.js";

const usage = `usage: tsx server/start.ts --config <app-config.json> --indexer <url> --gateway <url> --factory <url> [--port 5173] [--web-dir dist]

Serves the built web app, its configuration (chain, contracts, demo accounts) and the indexer,
data gateway and Model Factory under /api/<name>.
`;

const { values } = parseArgs({
  options: {
    config: { type: "string" },
    indexer: { type: "string" },
    gateway: { type: "string" },
    factory: { type: "string" },
    port: { type: "string", default: "5173" },
    host: { type: "string", default: "127.0.0.1" },
    "web-dir": { type: "string", default: new URL("../dist", import.meta.url).pathname },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
for (const name of ["config", "indexer", "gateway", "factory"] as const) {
  if (!values[name]) {
    process.stderr.write(`error: --${name} is required\n\n${usage}`);
    process.exit(2);
  }
}
const config = JSON.parse(await readFile(values.config as string, "utf8")) as AppConfig;
const app = createAppServer({
  webDir: values["web-dir"] as string,
  config,
  upstreams: {
    indexer: values.indexer as string,
    gateway: values.gateway as string,
    factory: values.factory as string,
  },
});
const http = await serveHttp({ fetch: app.fetch, port: Number(values.port), host: values.host });
console.log(JSON.stringify({ level: 30, msg: `web app on ${http.url}` }));
const stop = () => http.close({ graceMs: 2000 }).then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
