/**
 * Data gateway CLI: `npm run gateway -w gateway -- --help` lists the options.
 *
 * Without --datanet-registry both registries come from deployments/<chainId>.json;
 * without a KeeperRegistry, keepers get no blanket read access.
 */
import { resolve } from "node:path";
import { readDeployment } from "@payable-ai/sdk/node";
import { exitWithUsage, UsageError } from "@payable-ai/service";
import { pino } from "pino";
import { getAddress, isAddress } from "viem";
import type { BlobStore } from "./blobstore/blobStore.js";
import { LocalBlobStore } from "./blobstore/localBlobStore.js";
import { S3BlobStore } from "./blobstore/s3BlobStore.js";
import {
  type GatewayOptions,
  gatewayCommandLine,
  parseBlobStoreLocation,
  parseGatewayCommandLine,
} from "./cliOptions.js";
import { ContributionSync } from "./contributionSync.js";
import { FileNonceStore } from "./nonceStore.js";
import { startGateway } from "./server.js";
import { ViemAccessChecker } from "./viemAccessChecker.js";
import { LocalBlobVisibility } from "./visibility.js";

let options: GatewayOptions;
try {
  const parsed = parseGatewayCommandLine(process.argv.slice(2));
  if (parsed.help) {
    process.stdout.write(gatewayCommandLine.usage());
    process.exit(0);
  }
  options = parsed.options;
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  exitWithUsage(gatewayCommandLine, error.message);
}

const logger = pino({ level: options["log-level"] });

/** The store --blob-store names; S3 credentials come from the SDK's standard chain ($AWS_ACCESS_KEY_ID, ...). */
function openBlobStore(dataDir: string): { blobs: BlobStore; location: string } {
  const location = parseBlobStoreLocation(options["blob-store"] ?? resolve(dataDir, "blobs"));
  if (location.kind === "local")
    return { blobs: new LocalBlobStore(resolve(location.dir)), location: resolve(location.dir) };
  const blobs = new S3BlobStore({
    bucket: location.bucket,
    prefix: location.prefix,
    endpoint: options["s3-endpoint"],
    region: options["s3-region"],
    forcePathStyle: options["s3-force-path-style"],
  });
  return { blobs, location: blobs.url };
}

async function main(): Promise<void> {
  const rpcUrl = options["rpc-url"];
  const rpcTimeoutMs = options["rpc-timeout-ms"];
  let registry = options["datanet-registry"];
  let keeperRegistry = options["keeper-registry"];
  let fromBlock = 0n;
  if (registry === undefined) {
    const probe = await ViemAccessChecker.chainIdOf(rpcUrl, rpcTimeoutMs);
    const deployment = await readDeployment({ chainId: probe, dir: options["deployments-dir"] });
    registry = deployment.contracts.DatanetRegistry;
    keeperRegistry ??= deployment.contracts.KeeperRegistry;
    fromBlock = BigInt(deployment.startBlock);
  }
  if (options["from-block"] !== undefined) fromBlock = BigInt(options["from-block"]);
  if (!isAddress(registry)) throw new Error(`--datanet-registry "${registry}" is not an address`);
  if (keeperRegistry !== undefined && !isAddress(keeperRegistry)) {
    throw new Error(`--keeper-registry "${keeperRegistry}" is not an address`);
  }
  const access = await ViemAccessChecker.connect({
    rpcUrl,
    datanetRegistry: getAddress(registry),
    keeperRegistry: keeperRegistry === undefined ? undefined : getAddress(keeperRegistry),
    rpcTimeoutMs,
    fromBlock,
  });
  const dataDir = resolve(options["data-dir"]);
  const { blobs, location: blobStore } = openBlobStore(dataDir);
  // A bucket that is missing or refuses the credentials stops the start with its name, not the first upload.
  await blobs.checkWritable();
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
  sync.start(options["sync-interval-ms"]);
  const gateway = await startGateway(
    {
      blobs,
      visibility,
      access,
      nonces: await FileNonceStore.open(resolve(dataDir, "nonces.log")),
      logger,
      maxUploadBytes: options["max-upload-bytes"],
      maxPublicUploadBytes: options["max-public-upload-bytes"],
      maxSessionSeconds: options["max-session-seconds"],
      maxSessionsPerAccount: options["max-sessions-per-account"],
      maxSessions: options["max-sessions"],
    },
    { port: options.port, host: options.host, shutdownTimeoutMs: options["shutdown-timeout-ms"] },
  );
  logger.info(
    {
      url: gateway.url,
      chainId: access.chainId,
      datanetRegistry: access.datanetRegistry,
      dataDir,
      blobStore,
    },
    "data gateway listening",
  );
  const stop = async (signal: string) => {
    // A second signal stops at once, without waiting for the drain.
    process.once(signal, () => {
      logger.warn({ signal, inFlight: gateway.inFlight }, "stopping now, without draining");
      process.exit(1);
    });
    logger.info(
      { signal, inFlight: gateway.inFlight, timeoutMs: options["shutdown-timeout-ms"] },
      "draining",
    );
    await sync.stop();
    await gateway.close();
    logger.info({ signal, cut: gateway.inFlight }, "stopped");
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, (error as Error).message);
  process.exit(1);
});
