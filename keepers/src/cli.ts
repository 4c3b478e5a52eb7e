/**
 * Keeper node, and the operator's commands on its key.
 *
 *   KEEPER_PRIVATE_KEY=0x… npm run keeper -w keepers -- --rpc-url http://127.0.0.1:8545 \
 *     --inference-url http://127.0.0.1:8090 --gateway-url http://127.0.0.1:8788 \
 *     --peers http://127.0.0.1:8802,http://127.0.0.1:8803 --port 8801 --state-dir .data/keeper-1
 *   npm run keeper -w keepers -- status --private-key-file /etc/keeper/key
 *
 * `--help` lists every option; each is also `$KEEPER_<NAME>` and a key of `--config <file.json>`.
 * Contract addresses come from deployments/<chainId>.json (or --deployments-dir).
 */
import { resolve } from "node:path";
import { pino } from "pino";
import type { Hex } from "viem";
import { runOperatorCommand } from "./operator.js";
import { type ParsedKeeperCommand, parseKeeperCommand, UsageError, usage } from "./options.js";
import { runKeeper } from "./run.js";

let command: ParsedKeeperCommand;
try {
  command = parseKeeperCommand(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`keeper: ${error.message}\n\n${usage()}`);
  process.exit(2);
}
if (command.help) {
  console.log(usage());
  process.exit(0);
}
const parsed = command;
const { values } = parsed;
const logger = pino({ name: "keeper", level: values["log-level"] });
for (const warning of parsed.warnings) logger.warn(warning);

if (parsed.command !== "run") {
  try {
    const result = await runOperatorCommand(parsed.command, parsed.args, {
      rpcUrl: values["rpc-url"],
      privateKey: parsed.privateKey as Hex,
      deploymentsDir: values["deployments-dir"],
    });
    console.log(JSON.stringify(result, null, 2));
    process.exit(0);
  } catch (error) {
    console.error(
      `keeper ${parsed.command}: ${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}`,
    );
    process.exit(1);
  }
}

function options() {
  const peers = values.peers.map((p) => p.replace(/\/+$/, ""));
  for (const peer of peers) {
    if (!URL.canParse(peer)) throw new UsageError(`--peers: "${peer}" is not a URL`);
  }
  return {
    rpcUrl: values["rpc-url"],
    privateKey: parsed.privateKey as Hex,
    inferenceUrl: values["inference-url"].replace(/\/+$/, ""),
    gatewayUrl: values["gateway-url"].replace(/\/+$/, ""),
    peers,
    port: values.port,
    host: values.host,
    stateDir: resolve(values["state-dir"]),
    deploymentsDir: values["deployments-dir"],
    confirmations: values.confirmations,
    pollIntervalMs: values["poll-interval-ms"],
    concurrency: Math.max(1, values.concurrency),
    gatewayTimeoutMs: values["gateway-timeout-ms"],
    inferenceTimeoutMs: values["inference-timeout-ms"],
    cosignTimeoutMs: values["cosign-timeout-ms"],
    drainMs: values["drain-seconds"] * 1000,
    epochSeconds: BigInt(values["epoch-seconds"]),
    stateRetentionSeconds: BigInt(values["state-retention-seconds"]),
    gas: {
      multiplierPercent: BigInt(Math.round(values["gas-multiplier"] * 100)),
      margin: BigInt(values["gas-margin"]),
      outOfGasRetries: values["gas-retries"],
    },
    health: { maxLagBlocks: values["max-lag-blocks"] },
    logger,
  };
}

let config: ReturnType<typeof options>;
try {
  config = options();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`keeper: ${error.message}\n\n${usage()}`);
  process.exit(2);
}

const keeper = await runKeeper(config).catch((error: unknown) => {
  logger.fatal({ err: error }, "keeper failed to start");
  process.exit(1);
});
console.log(`keeper ${keeper.node.address} listening on ${keeper.url}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting for the drain");
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.info({ signal, drainMs: config.drainMs }, "stopping: no new work, draining what is in flight");
    keeper.stop().then(
      ({ drained }) => {
        logger.info({ drained, ms: Date.now() - started }, "stopped; state saved");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  });
}
