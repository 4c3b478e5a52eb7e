import { execFileSync } from "node:child_process";
import { startLocalNetwork } from "./localNetwork.js";

function log(message: string) {
  console.log(`[devnet] ${message}`);
}

const usage = `usage: npm start [-- options]

Starts the local network: anvil, the protocol, the demo datanet, the indexer, the data gateway,
the inference node, the Model Factory, the demo model fine-tuned on its datanet, three keepers and
the demo questions.

options:
  --no-demo-training   start without the demo model and its questions (also NO_DEMO_TRAINING=1)
  -h, --help           print this help and exit

environment: ANVIL_PORT (8545), INDEXER_PORT (42069), GATEWAY_PORT (8788), INFERENCE_PORT (8090),
FACTORY_PORT (8789), APP_PORT (5173, the web app), KEEPER_PORT (8801, and the next two), BLOCK_TIME (1 s), DATABASE_URL (Postgres
for the indexer; PGlite otherwise).
`;
const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(usage);
  process.exit(0);
}
const unknown = args.find((a) => a !== "--no-demo-training");
if (unknown !== undefined) {
  process.stderr.write(`error: unknown option ${unknown}\n\n${usage}`);
  process.exit(2);
}

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const keeperPort = env("KEEPER_PORT", 8801);
const skipTraining = args.includes("--no-demo-training") || process.env.NO_DEMO_TRAINING === "1";

log("starting the Payable AI local network");
let network: Awaited<ReturnType<typeof startLocalNetwork>>;
try {
  network = await startLocalNetwork({
    ports: {
      anvil: env("ANVIL_PORT", 8545),
      indexer: env("INDEXER_PORT", 42069),
      gateway: env("GATEWAY_PORT", 8788),
      inference: env("INFERENCE_PORT", 8090),
      factory: env("FACTORY_PORT", 8789),
      app: env("APP_PORT", 5173),
      keepers: [keeperPort, keeperPort + 1, keeperPort + 2],
    },
    blockTime: env("BLOCK_TIME", 1),
    demo: skipTraining ? "datanet" : "live",
    log,
  });
} catch (error) {
  console.error(`\n[devnet] ${(error as Error).message}`);
  console.error(
    "[devnet] Ports can be changed with ANVIL_PORT, INDEXER_PORT, GATEWAY_PORT, INFERENCE_PORT, FACTORY_PORT, APP_PORT and KEEPER_PORT (three from it).",
  );
  process.exit(1);
}

const width = Math.max(...Object.keys(network.urls).map((k) => k.length));
console.log("\nPayable AI local network is up:\n");
for (const [name, url] of Object.entries(network.urls)) console.log(`  ${name.padEnd(width)}  ${url}`);
console.log(`\n  Contracts: deployments/${network.chainId}.json`);
if (network.demo) {
  const model = network.demoModel;
  console.log(
    `  Demo: datanet ${network.demo.datanetId} (${network.demo.contributionIds.length} question/answer contributions)` +
      (model
        ? `, model ${model.modelId} fine-tuned on it${model.fromCache ? " (cached adapter)" : ""}, requests ${network.demoRequestIds.join(", ")} asked live`
        : ", no demo model (training skipped)"),
  );
  if (model) {
    console.log(
      "  The demo model is tiny and only reproduces the answers it memorized from its datanet; other questions get whatever it produces.",
    );
  }
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
process.on("SIGHUP", () => void shutdown("SIGHUP"));

// `npm start` runs this under npm and a shell, and a SIGTERM sent to npm is not passed through the
// shell: when any process that started this one exits, stop everything rather than leave it running.
const ancestors = ancestorPids();
const watch = setInterval(() => {
  if (ancestors.some((pid) => !isAlive(pid))) void shutdown("the launching process exited");
}, 1000);
watch.unref();

function ancestorPids(): number[] {
  const pids: number[] = [];
  let pid = process.ppid;
  while (pid > 1 && pids.length < 16) {
    pids.push(pid);
    try {
      pid = Number(execFileSync("ps", ["-o", "ppid=", "-p", String(pid)], { encoding: "utf8" }).trim());
    } catch {
      break;
    }
  }
  // Watch up to the outermost npm (the one a person or a supervisor signals); the terminal's shell
  // and what is above it outlive a normal run. Started without npm, watch the direct parent.
  const commands = pids.map(commandOf);
  const outermostNpm = commands.reduce((last, command, i) => (/\bnpm\b/.test(command) ? i : last), 0);
  return pids.slice(0, outermostNpm + 1);
}

function commandOf(pid: number): string {
  try {
    return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" });
  } catch {
    return "";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
