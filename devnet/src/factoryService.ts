import { type BaseModel, startProcess, stopProcess, waitForHttp } from "./aiServices.js";
import { DEMO_BASE_MODEL } from "./demoModel.js";
import type { DevnetService } from "./services.js";

export type FactoryServiceOptions = { port: number; gatewayUrl: string; inferenceUrl: string };

/**
 * The Model Factory job service on the local network: fine-tunes the demo base model on datanet
 * data read through the gateway; the web app (appService) drives it and registers the result.
 */
export function modelFactoryService(model: BaseModel, options: FactoryServiceOptions): DevnetService {
  const url = `http://127.0.0.1:${options.port}`;
  return {
    name: "model-factory",
    ports: [options.port],
    async start({ rpcUrl, dataDir, log }) {
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
      ]);
      await waitForHttp(child, `${url}/health`);
      log(`listening on ${url}`);
      return { urls: { "Model Factory API": url }, stop: () => stopProcess(child) };
    },
  };
}
