/**
 * Keeper node.
 *
 *   npm run keeper -w keepers -- --rpc-url http://127.0.0.1:8545 --private-key 0x… \
 *     --inference-url http://127.0.0.1:8090 --gateway-url http://127.0.0.1:8788 \
 *     --peers http://127.0.0.1:8802,http://127.0.0.1:8803 --port 8801 --state-dir .data/keeper-1
 *
 * Contract addresses come from deployments/<chainId>.json (or --deployments-dir).
 * The key may also be given as $KEEPER_PRIVATE_KEY.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pino } from "pino";
import type { Hex } from "viem";
import { runKeeper } from "./run.js";

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    "private-key": { type: "string", default: process.env.KEEPER_PRIVATE_KEY },
    "inference-url": { type: "string", default: "http://127.0.0.1:8090" },
    "gateway-url": { type: "string", default: "http://127.0.0.1:8788" },
    peers: { type: "string", default: "" },
    port: { type: "string", default: "8801" },
    host: { type: "string", default: "127.0.0.1" },
    "state-dir": { type: "string", default: ".data/keeper" },
    "deployments-dir": { type: "string" },
    confirmations: { type: "string", default: "1" },
    "poll-interval-ms": { type: "string", default: "1000" },
    "fallback-after-seconds": { type: "string", default: "30" },
    concurrency: { type: "string", default: "2" },
    "log-level": { type: "string", default: "info" },
  },
});

function nonNegative(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got "${value}"`);
    process.exit(2);
  }
  return n;
}

const key = values["private-key"];
if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
  console.error("--private-key (or $KEEPER_PRIVATE_KEY) must be a 32-byte 0x-prefixed hex key");
  process.exit(2);
}
const fallback = nonNegative("fallback-after-seconds", values["fallback-after-seconds"]);
if (fallback === 0) {
  console.error("--fallback-after-seconds must be positive");
  process.exit(2);
}
const logger = pino({ name: "keeper", level: values["log-level"] });
const peers = values.peers
  .split(",")
  .map((p) => p.trim().replace(/\/+$/, ""))
  .filter((p) => p.length > 0);
for (const peer of peers) {
  if (!URL.canParse(peer)) {
    console.error(`--peers: "${peer}" is not a URL`);
    process.exit(2);
  }
}

const keeper = await runKeeper({
  rpcUrl: values["rpc-url"],
  privateKey: key as Hex,
  inferenceUrl: values["inference-url"].replace(/\/+$/, ""),
  gatewayUrl: values["gateway-url"].replace(/\/+$/, ""),
  peers,
  port: nonNegative("port", values.port),
  host: values.host,
  stateDir: resolve(values["state-dir"]),
  deploymentsDir: values["deployments-dir"],
  confirmations: nonNegative("confirmations", values.confirmations),
  pollIntervalMs: nonNegative("poll-interval-ms", values["poll-interval-ms"]),
  fallbackAfterSeconds: BigInt(fallback),
  concurrency: Math.max(1, nonNegative("concurrency", values.concurrency)),
  logger,
}).catch((error: unknown) => {
  logger.fatal({ err: error }, "keeper failed to start");
  process.exit(1);
});
console.log(`keeper ${keeper.node.address} listening on ${keeper.url}`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    keeper.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
