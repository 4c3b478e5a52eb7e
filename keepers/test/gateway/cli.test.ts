import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { protocolContractNames } from "@payable-ai/sdk";
import { freePort } from "@payable-ai/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatanetChain, startDatanetChain } from "../support/datanetChain.js";

const packageRoot = resolve(import.meta.dirname, "../..");

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<Response> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}: ${log()}`);
    try {
      return await fetch(`${url}/health`);
    } catch {
      if (Date.now() > deadline) throw new Error(`gateway did not start: ${log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe("gateway CLI", () => {
  let chain: DatanetChain;
  let dir: string;
  beforeAll(async () => {
    chain = await startDatanetChain();
    dir = await mkdtemp(join(tmpdir(), "gateway-cli-"));
  }, 60_000);
  afterAll(async () => {
    await chain?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts from a deployment file, serves, and stops on SIGTERM", async () => {
    const deployments = join(dir, "deployments");
    await mkdir(deployments);
    // Only the DatanetRegistry is real here; the file format wants every contract named.
    const contracts = Object.fromEntries(
      protocolContractNames.map((name) => [name, chain.accounts.owner.address]),
    );
    contracts.DatanetRegistry = chain.registry;
    contracts.KeeperRegistry = chain.keeperRegistry;
    await writeFile(
      join(deployments, `${chain.anvil.chainId}.json`),
      JSON.stringify({ chainId: chain.anvil.chainId, startBlock: 0, contracts }),
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/gateway/cli.ts",
        "--rpc-url",
        chain.anvil.rpcUrl,
        "--deployments-dir",
        deployments,
        "--data-dir",
        join(dir, "data"),
        "--port",
        String(port),
        "--log-level",
        "warn",
      ],
      { cwd: packageRoot, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout?.on("data", (c: Buffer) => {
      log += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      log += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const health = await waitForHealth(`http://127.0.0.1:${port}`, child, () => log);
      expect(await health.json()).toEqual({
        ok: true,
        chainId: chain.anvil.chainId,
        datanetRegistry: chain.registry,
      });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
