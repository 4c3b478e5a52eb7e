import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const indexerRoot = resolve(import.meta.dirname, "..");

export type StartIndexerParameters = {
  rpcUrl: string;
  chainId: number;
  /** HTTP port of GraphQL and the API. */
  port: number;
  /** Postgres connection string; PGlite in `pgliteDir` (or a fresh temporary folder) otherwise. */
  databaseUrl?: string | undefined;
  pgliteDir?: string | undefined;
  /** Folder with `<chainId>.json`; the repository's deployments/ by default. */
  deploymentsDir?: string | undefined;
  /** Database schema Ponder writes to (`ponder start --schema`). */
  schema?: string | undefined;
  /**
   * Data gateway read by `GET /requests/:id` for the question and output texts
   * (`PAYABLE_GATEWAY_URL`); without it those fields are null.
   */
  gatewayUrl?: string | undefined;
  /**
   * Keepers asked, in order, for the spans and passages behind an answer and why a request is
   * unanswerable (`PAYABLE_KEEPER_URLS`); without them those fields are null.
   */
  keeperUrls?: readonly string[] | undefined;
  /**
   * `start` indexes and serves; `serve` only serves (GraphQL and the routes) from the tables a
   * `ponder start` on the same Postgres database and schema writes: a read replica.
   */
  command?: "start" | "serve" | undefined;
  /** Where Ponder's log lines go; dropped by default. */
  onLog?: ((line: string) => void) | undefined;
  timeoutMs?: number | undefined;
};

export type Indexer = {
  url: string;
  graphqlUrl: string;
  process: ChildProcess;
  /** Resolves once the indexer has processed every block up to `blockNumber`. */
  waitForBlock(blockNumber: bigint, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
};

export class IndexerStartError extends Error {
  override name = "IndexerStartError";
}

/**
 * Runs `ponder start` (or `ponder serve`) for the protocol's deployment on `chainId` and resolves
 * when its historical backfill is done (`/ready`).
 */
export async function startIndexer(parameters: StartIndexerParameters): Promise<Indexer> {
  const temporaryDir =
    parameters.databaseUrl || parameters.pgliteDir
      ? undefined
      : await mkdtemp(join(tmpdir(), "payable-indexer-"));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PONDER_CHAIN_ID: String(parameters.chainId),
    PONDER_RPC_URL: parameters.rpcUrl,
    PONDER_TELEMETRY_DISABLED: "true",
    CI: "true",
  };
  if (parameters.deploymentsDir) env.PAYABLE_DEPLOYMENTS_DIR = parameters.deploymentsDir;
  if (parameters.gatewayUrl) env.PAYABLE_GATEWAY_URL = parameters.gatewayUrl;
  if (parameters.keeperUrls?.length) env.PAYABLE_KEEPER_URLS = parameters.keeperUrls.join(",");
  if (parameters.databaseUrl) env.DATABASE_URL = parameters.databaseUrl;
  else {
    delete env.DATABASE_URL;
    delete env.DATABASE_PRIVATE_URL;
    env.PONDER_PGLITE_DIR = parameters.pgliteDir ?? (temporaryDir as string);
  }
  const ponderBin = resolve(indexerRoot, "../node_modules/ponder/dist/esm/bin/ponder.js");
  const args = [
    ponderBin,
    parameters.command ?? "start",
    "--schema",
    parameters.schema ?? "public",
    "--port",
    String(parameters.port),
    "--hostname",
    "127.0.0.1",
    "--log-format",
    "pretty",
  ];
  const child = spawn(process.execPath, args, { cwd: indexerRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let recent = "";
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    recent = (recent + text).slice(-4000);
    if (parameters.onLog) for (const line of text.split("\n")) if (line.trim()) parameters.onLog(line);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = `http://127.0.0.1:${parameters.port}`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
      await exited;
      clearTimeout(timer);
    }
    if (temporaryDir) await rm(temporaryDir, { recursive: true, force: true });
  };

  const waitForBlock = async (blockNumber: bigint, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const response = await fetch(`${url}/status`);
        if (response.ok) {
          const status = (await response.json()) as Record<string, { block?: { number: number } }>;
          const indexed = Object.values(status)[0]?.block?.number;
          if (indexed !== undefined && BigInt(indexed) >= blockNumber) return;
        }
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new IndexerStartError(`The indexer exited.\n${recent}`);
      if (Date.now() > deadline)
        throw new IndexerStartError(`The indexer did not reach block ${blockNumber} in time.`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const deadline = Date.now() + (parameters.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new IndexerStartError(`ponder start exited with code ${child.exitCode}.\n${recent.trim()}`);
    }
    try {
      const response = await fetch(`${url}/ready`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new IndexerStartError(`The indexer at ${url} was not ready in time.\n${recent.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, graphqlUrl: `${url}/graphql`, process: child, waitForBlock, stop };
}
