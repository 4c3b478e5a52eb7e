import { existsSync } from "node:fs";
import { join } from "node:path";
import { repositoryRoot } from "@payable-ai/sdk/testing";
import { type BaseModel, runToEnd, startProcess, stopProcess, waitForHttp } from "./aiServices.js";
import { DEMO_BASE_MODEL } from "./demoModel.js";
import type { DevnetService } from "./services.js";

export type FactoryServiceOptions = { port: number; gatewayUrl: string; inferenceUrl: string };

/**
 * The Model Factory (job service and web app) on the local network: fine-tunes the demo base
 * model on datanet data read through the gateway, and registers the result on the local chain.
 */
export function modelFactoryService(model: BaseModel, options: FactoryServiceOptions): DevnetService {
  const url = `http://127.0.0.1:${options.port}`;
  const webDir = join(repositoryRoot, "model-factory/web/dist");
  return {
    name: "model-factory",
    ports: [options.port],
    async start({ rpcUrl, dataDir, log }) {
      if (!existsSync(join(webDir, "index.html"))) {
        log("building the web app (first start only)");
        await runToEnd("node_modules/vite/bin/vite.js", [
          "build",
          "--config",
          "model-factory/web/vite.config.ts",
          "--logLevel",
          "error",
        ]);
      }
      const child = startProcess("model-factory/src/cli/start.ts", [
        "--port",
        String(options.port),
        "--data-dir",
        dataDir,
        "--gateway",
        options.gatewayUrl,
        "--rpc-url",
        rpcUrl,
        "--inference",
        options.inferenceUrl,
        "--model",
        `${DEMO_BASE_MODEL}=${model.modelDir}`,
        "--web-dir",
        webDir,
      ]);
      await waitForHttp(child, `${url}/health`);
      log(`listening on ${url}`);
      return { urls: { "Model Factory (web app)": url }, stop: () => stopProcess(child) };
    },
  };
}
