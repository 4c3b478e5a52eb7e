import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createPublicClient, type Hex, http } from "viem";
import { BaseError } from "../errors/base.js";
import { foundryBinary } from "./foundry.js";

/** Private keys of anvil's default accounts (mnemonic "test test ... junk"), index 0..9. */
export const anvilPrivateKeys = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const satisfies readonly Hex[];

export type StartAnvilParameters = {
  /** Port to listen on; a free one is picked when left out. */
  port?: number | undefined;
  /** Seconds between blocks (interval mining); left out, every transaction is mined at once. */
  blockTime?: number | undefined;
  chainId?: number | undefined;
  /** Forward anvil's output to this process's stdout. */
  verbose?: boolean | undefined;
  /** Give up starting after this many milliseconds. */
  timeoutMs?: number | undefined;
};

export type Anvil = {
  rpcUrl: string;
  port: number;
  chainId: number;
  process: ChildProcess;
  stop(): Promise<void>;
};

export class AnvilStartError extends BaseError {
  override name = "AnvilStartError";
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts connections on `port` (127.0.0.1). */
export async function isPortTaken(port: number): Promise<boolean> {
  return new Promise((resolveTaken) => {
    const server = createServer();
    server.once("error", () => resolveTaken(true));
    server.listen(port, "127.0.0.1", () => server.close(() => resolveTaken(false)));
  });
}

/**
 * Starts anvil as a child process and resolves once it answers JSON-RPC.
 *
 * @example
 * const anvil = await startAnvil()
 * try { ... anvil.rpcUrl ... } finally { await anvil.stop() }
 */
export async function startAnvil(parameters: StartAnvilParameters = {}): Promise<Anvil> {
  const port = parameters.port ?? (await freePort());
  const chainId = parameters.chainId ?? 31337;
  if (parameters.port !== undefined && (await isPortTaken(port))) {
    throw new AnvilStartError(`Port ${port} is already in use; anvil cannot listen on it.`, {
      details: "Stop the process that holds it or choose another port.",
    });
  }
  const args = ["--port", String(port), "--host", "127.0.0.1", "--chain-id", String(chainId), "--silent"];
  if (parameters.blockTime !== undefined) args.push("--block-time", String(parameters.blockTime));
  const child = spawn(foundryBinary("anvil"), args, {
    stdio: ["ignore", parameters.verbose ? "inherit" : "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const deadline = Date.now() + (parameters.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new AnvilStartError(`anvil exited with code ${child.exitCode} before it was ready.`, {
        details: stderr.trim() || undefined,
      });
    }
    try {
      await client.getChainId();
      return { rpcUrl, port, chainId, process: child, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new AnvilStartError(`anvil did not answer on ${rpcUrl} in time.`, {
          details: stderr.trim() || undefined,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
