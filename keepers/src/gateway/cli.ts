/**
 * Data gateway CLI.
 *
 *   npm run gateway -w keepers -- --rpc-url http://127.0.0.1:8545 \
 *     [--datanet-registry 0x…] [--keeper-registry 0x…] [--data-dir .data/gateway] [--port 8788] [--host 127.0.0.1] \
 *     [--max-upload-bytes 5242880] [--max-public-upload-bytes N] [--max-session-seconds 86400] [--sync-interval-ms 2000] \
 *     [--log-level info]
 *
 * Without --datanet-registry both registries come from deployments/<chainId>.json;
 * without a KeeperRegistry, keepers get no blanket read access.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readDeployment } from "@payable-ai/sdk";
import { pino } from "pino";
import { getAddress, isAddress } from "viem";
import { LocalBlobStore } from "../blobstore/localBlobStore.js";
import { DEFAULT_MAX_SESSION_SECONDS, DEFAULT_MAX_UPLOAD_BYTES } from "./app.js";
import { ContributionSync } from "./contributionSync.js";
import { FileNonceStore } from "./nonceStore.js";
import { startGateway } from "./server.js";
import { ViemAccessChecker } from "./viemAccessChecker.js";
import { LocalBlobVisibility } from "./visibility.js";

const { values } = parseArgs({
  options: {
    "rpc-url": { type: "string", default: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
    "datanet-registry": { type: "string" },
    "keeper-registry": { type: "string" },
    "deployments-dir": { type: "string" },
    "data-dir": { type: "string", default: ".data/gateway" },
    port: { type: "string", default: "8788" },
    host: { type: "string", default: "127.0.0.1" },
    "max-upload-bytes": { type: "string", default: String(DEFAULT_MAX_UPLOAD_BYTES) },
    "max-public-upload-bytes": { type: "string" },
    "max-session-seconds": { type: "string", default: String(DEFAULT_MAX_SESSION_SECONDS) },
    "sync-interval-ms": { type: "string", default: "2000" },
    "from-block": { type: "string" },
    "log-level": { type: "string", default: "info" },
  },
});

const logger = pino({ level: values["log-level"] });

function positiveInteger(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const rpcUrl = values["rpc-url"];
  let registry = values["datanet-registry"];
  let keeperRegistry = values["keeper-registry"];
  let fromBlock = 0n;
  if (registry === undefined) {
    const probe = await ViemAccessChecker.chainIdOf(rpcUrl);
    const deployment = await readDeployment({ chainId: probe, dir: values["deployments-dir"] });
    registry = deployment.contracts.DatanetRegistry;
    keeperRegistry ??= deployment.contracts.KeeperRegistry;
    fromBlock = BigInt(deployment.startBlock);
  }
  if (values["from-block"] !== undefined)
    fromBlock = BigInt(positiveInteger("from-block", values["from-block"]));
  if (!isAddress(registry)) throw new Error(`--datanet-registry "${registry}" is not an address`);
  if (keeperRegistry !== undefined && !isAddress(keeperRegistry)) {
    throw new Error(`--keeper-registry "${keeperRegistry}" is not an address`);
  }
  const access = await ViemAccessChecker.connect({
    rpcUrl,
    datanetRegistry: getAddress(registry),
    keeperRegistry: keeperRegistry === undefined ? undefined : getAddress(keeperRegistry),
  });
  const dataDir = resolve(values["data-dir"]);
  const visibility = new LocalBlobVisibility(resolve(dataDir, "datanet-content"));
  const sync = new ContributionSync({
    client: access.client,
    datanetRegistry: access.datanetRegistry,
    visibility,
    stateFile: resolve(dataDir, "contribution-sync.block"),
    fromBlock,
    logger,
  });
  // Catch up before serving, so no registered contribution is ever served publicly.
  await sync.syncOnce();
  sync.start(positiveInteger("sync-interval-ms", values["sync-interval-ms"]));
  const gateway = await startGateway(
    {
      blobs: new LocalBlobStore(resolve(dataDir, "blobs")),
      visibility,
      access,
      nonces: await FileNonceStore.open(resolve(dataDir, "nonces.log")),
      logger,
      maxUploadBytes: positiveInteger("max-upload-bytes", values["max-upload-bytes"]),
      maxPublicUploadBytes:
        values["max-public-upload-bytes"] === undefined
          ? undefined
          : positiveInteger("max-public-upload-bytes", values["max-public-upload-bytes"]),
      maxSessionSeconds: positiveInteger("max-session-seconds", values["max-session-seconds"]),
    },
    { port: positiveInteger("port", values.port), host: values.host },
  );
  logger.info(
    { url: gateway.url, chainId: access.chainId, datanetRegistry: access.datanetRegistry, dataDir },
    "data gateway listening",
  );
  const stop = async (signal: string) => {
    logger.info({ signal }, "stopping");
    await sync.stop();
    await gateway.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, (error as Error).message);
  process.exit(1);
});
