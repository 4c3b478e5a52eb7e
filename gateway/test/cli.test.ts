import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { protocolContractNames } from "@payable-ai/sdk";
import { type DatanetChain, freePort, startDatanetChain, until } from "@payable-ai/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from "./support/s3Server.js";

const packageRoot = resolve(import.meta.dirname, "..");

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

  /** A deployments folder naming the chain's registries. */
  async function writeDeployments(): Promise<string> {
    const deployments = join(dir, "deployments");
    await mkdir(deployments, { recursive: true });
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
    return deployments;
  }

  function runCli(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: packageRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    const out = { stdout: "", stderr: "" };
    child.stdout?.on("data", (c: Buffer) => {
      out.stdout += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      out.stderr += c.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, out, exited, log: () => out.stdout + out.stderr };
  }

  it("prints its usage for --help and exits 0", async () => {
    const cli = runCli(["--help"]);
    expect(await cli.exited).toBe(0);
    expect(cli.out.stdout).toMatch(/^Usage: gateway \[options\]/);
    expect(cli.out.stdout).toContain("--rpc-timeout-ms N");
    expect(cli.out.stdout).toContain("$GATEWAY_MAX_SESSIONS_PER_ACCOUNT");
  }, 30_000);

  it("refuses an unknown option or a bad value with the reason and the usage, exit 2", async () => {
    const unknown = runCli(["--rpc-url", "http://127.0.0.1:1", "--no-such-flag"]);
    expect(await unknown.exited).toBe(2);
    expect(unknown.out.stderr).toMatch(/^gateway: Unknown option '--no-such-flag'/);
    expect(unknown.out.stderr).toContain("Usage: gateway [options]");
    expect(unknown.out.stderr).not.toContain("ERR_PARSE_ARGS");
    const bad = runCli([], { GATEWAY_PORT: "eighty" });
    expect(await bad.exited).toBe(2);
    expect(bad.out.stderr).toMatch(/^gateway: \$GATEWAY_PORT must be an integer ≥ 0, got "eighty"/);
  }, 30_000);

  it("starts from a deployment file, env and a config file, drains an upload on SIGTERM, and stops", async () => {
    const deployments = await writeDeployments();
    const port = await freePort();
    const config = join(dir, "gateway.json");
    // The flag's level wins over the file's; the port comes from the environment.
    await writeFile(config, JSON.stringify({ "log-level": "debug", "shutdown-timeout-ms": 10_000, port: 1 }));
    const cli = runCli(
      [
        "--rpc-url",
        chain.anvil.rpcUrl,
        "--deployments-dir",
        deployments,
        "--data-dir",
        join(dir, "data"),
        "--config",
        config,
        "--log-level",
        "info",
      ],
      { GATEWAY_PORT: String(port) },
    );
    const { child, exited } = cli;
    const url = `http://127.0.0.1:${port}`;
    try {
      const health = await waitForHealth(url, child, cli.log);
      expect(await health.json()).toMatchObject({
        ok: true,
        chainId: chain.anvil.chainId,
        datanetRegistry: chain.registry,
        checks: { rpc: { ok: true }, blobStore: { ok: true }, draining: false },
      });
      expect(cli.out.stdout).not.toContain('"level":20');

      // An upload in flight: half of its body sent.
      const content = randomBytes(32 * 1024);
      let finish = () => {};
      const upload = fetch(`${url}/blobs?visibility=public`, {
        method: "POST",
        body: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(content.subarray(0, 1024));
            finish = () => {
              controller.enqueue(content.subarray(1024));
              controller.close();
            };
          },
        }),
        duplex: "half",
      } as RequestInit);
      await until(
        "two requests in flight",
        async () => /gateway_requests_in_flight 2/.test(await (await fetch(`${url}/metrics`)).text()),
        10_000,
        50,
      );

      child.kill("SIGTERM");
      await until(
        "the gateway to refuse with 503",
        async () => (await fetch(`${url}/blobs/${"0".repeat(64)}`)).status === 503,
        10_000,
        50,
      );
      expect(child.exitCode).toBeNull();
      finish();
      const stored = await upload;
      expect(stored.status).toBe(201);
      expect(await exited).toBe(0);
      expect(cli.out.stdout).toMatch(/"msg":"draining"/);
      expect(cli.out.stdout).toMatch(/"msg":"stopped"/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  describe("with --blob-store s3://", () => {
    let s3: TestS3Server;
    beforeAll(async () => {
      s3 = await startS3Server(["cli-blobs"]);
    });
    afterAll(async () => {
      await s3?.stop();
    });
    const s3Env = () => ({
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      GATEWAY_S3_ENDPOINT: s3.endpoint,
    });

    it("keeps uploads in the bucket under the prefix, with credentials from the environment", async () => {
      const port = await freePort();
      const cli = runCli(
        [
          "--rpc-url",
          chain.anvil.rpcUrl,
          "--deployments-dir",
          await writeDeployments(),
          "--data-dir",
          join(dir, "data-s3"),
          "--port",
          String(port),
          "--blob-store",
          "s3://cli-blobs/gateway/main",
          "--s3-force-path-style",
        ],
        s3Env(),
      );
      const url = `http://127.0.0.1:${port}`;
      try {
        const health = await waitForHealth(url, cli.child, cli.log);
        expect(await health.json()).toMatchObject({ ok: true, checks: { blobStore: { ok: true } } });
        expect(cli.out.stdout).toContain('"blobStore":"s3://cli-blobs/gateway/main"');
        const content = randomBytes(4096);
        const res = await fetch(`${url}/blobs?visibility=public`, { method: "POST", body: content });
        expect(res.status).toBe(201);
        const { id } = (await res.json()) as { id: string };
        const objects = await readdir(join(s3.directory, "cli-blobs", "gateway", "main", id.slice(0, 2)));
        expect(objects).toContain(`${id}._S3rver_object`);
        const back = await fetch(`${url}/blobs/${id}`);
        expect(Buffer.compare(Buffer.from(await back.arrayBuffer()), content)).toBe(0);
        expect(await readdir(join(dir, "data-s3"))).not.toContain("blobs");
        cli.child.kill("SIGTERM");
        expect(await cli.exited).toBe(0);
      } finally {
        if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
      }
    }, 60_000);

    it("refuses to start when the bucket does not exist, naming it and the endpoint", async () => {
      const cli = runCli(
        [
          "--rpc-url",
          chain.anvil.rpcUrl,
          "--deployments-dir",
          await writeDeployments(),
          "--data-dir",
          join(dir, "data-s3-missing"),
          "--port",
          "0",
          "--blob-store",
          "s3://no-such-bucket/x",
        ],
        { ...s3Env(), GATEWAY_S3_FORCE_PATH_STYLE: "true" },
      );
      expect(await cli.exited).toBe(1);
      expect(cli.log()).toContain(`bucket \\"no-such-bucket\\" at ${s3.endpoint} does not exist`);
    }, 60_000);
  });
});
