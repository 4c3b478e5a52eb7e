import { readFile } from "node:fs/promises";
import { defineCommandLine, exitWithUsage, parseOrExit, serveHttp } from "@payable-ai/service";
import { type AppConfig, createAppServer } from "./appServer.js";

const appCommandLine = defineCommandLine({
  program: "app",
  summary:
    "Serves the built web app, its configuration (chain, contracts, demo accounts) and the indexer,\ndata gateway and Model Factory under /api/<name>.",
  envPrefix: "APP",
  options: {
    "app-config": {
      kind: "string",
      value: "FILE",
      help: "the app's configuration: chain, contracts, demo accounts (required)",
    },
    indexer: { kind: "string", value: "URL", help: "the indexer (required)" },
    gateway: { kind: "string", value: "URL", help: "the data gateway (required)" },
    factory: { kind: "string", value: "URL", help: "the Model Factory (required)" },
    port: { kind: "integer", default: "5173", help: "HTTP port (0: any free port)" },
    host: { kind: "string", default: "127.0.0.1", help: "HTTP interface" },
    "web-dir": {
      kind: "string",
      default: new URL("../dist", import.meta.url).pathname,
      help: "the built app",
    },
  },
});

const { options } = parseOrExit(appCommandLine);
const required = (name: "app-config" | "indexer" | "gateway" | "factory"): string =>
  options[name] ?? exitWithUsage(appCommandLine, `--${name} is required`);
const upstreams = {
  indexer: required("indexer"),
  gateway: required("gateway"),
  factory: required("factory"),
};
const configFile = required("app-config");
let config: AppConfig;
try {
  config = JSON.parse(await readFile(configFile, "utf8")) as AppConfig;
} catch (error) {
  exitWithUsage(appCommandLine, `cannot read --app-config ${configFile}: ${(error as Error).message}`);
}
const app = createAppServer({ webDir: options["web-dir"], config, upstreams });
const http = await serveHttp({ fetch: app.fetch, port: options.port, host: options.host });
console.log(JSON.stringify({ level: 30, msg: `web app on ${http.url}` }));
const stop = () => http.close({ graceMs: 2000 }).then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
