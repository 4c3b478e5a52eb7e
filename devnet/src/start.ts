import { aiServices, prepareDemoModel } from "./aiServices.js";
import { modelFactoryService } from "./factoryService.js";
import { startDevnet } from "./network.js";
import type { DevnetService } from "./services.js";

const anvilPort = Number(process.env.ANVIL_PORT ?? 8545);
const indexerPort = Number(process.env.INDEXER_PORT ?? 42069);
const keeperPort = Number(process.env.KEEPER_PORT ?? 8801);

function log(message: string) {
  console.log(`[devnet] ${message}`);
}

log("starting the Payable AI local network");
let network: Awaited<ReturnType<typeof startDevnet>>;
try {
  // The demo model is registered with a real adapter of the generated model, so the keepers
  // can answer its open request end to end.
  const model = await prepareDemoModel(undefined, log);
  // The data gateway, inference node and keepers join the local network here, each as a
  // DevnetService (see services.ts), started after the indexer in this order.
  const gatewayPort = Number(process.env.GATEWAY_PORT ?? 8788);
  const inferencePort = Number(process.env.INFERENCE_PORT ?? 8090);
  const extraServices: DevnetService[] = [
    ...aiServices(model, {
      gateway: gatewayPort,
      inference: inferencePort,
      keepers: [keeperPort, keeperPort + 1, keeperPort + 2],
    }),
    modelFactoryService(model, {
      port: Number(process.env.FACTORY_PORT ?? 8789),
      gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
      inferenceUrl: `http://127.0.0.1:${inferencePort}`,
    }),
  ];
  network = await startDevnet({
    anvilPort,
    indexerPort,
    blockTime: Number(process.env.BLOCK_TIME ?? 1),
    demoAdapterHash: model.adapterHash,
    services: extraServices,
    log,
  });
} catch (error) {
  console.error(`\n[devnet] ${(error as Error).message}`);
  console.error(
    "[devnet] Ports can be changed with ANVIL_PORT, INDEXER_PORT, GATEWAY_PORT, INFERENCE_PORT, FACTORY_PORT and KEEPER_PORT (three from it).",
  );
  process.exit(1);
}

const width = Math.max(...Object.keys(network.urls).map((k) => k.length));
console.log("\nPayable AI local network is up:\n");
for (const [name, url] of Object.entries(network.urls)) console.log(`  ${name.padEnd(width)}  ${url}`);
console.log(`\n  Contracts: deployments/${network.chainId}.json`);
if (network.demo) {
  console.log(
    `  Demo: datanet ${network.demo.datanetId}, model ${network.demo.modelId}, ` +
      `request ${network.demo.settledRequestId} settled, request ${network.demo.openRequestId} open (answered by the keepers)`,
  );
}
console.log("\nPress Ctrl-C to stop.\n");

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  await network.stop();
  log("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
