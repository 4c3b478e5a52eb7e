import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contentHash, type Deployment, openTokenAbi, requestInference } from "@payable-ai/sdk";
import { type Anvil, anvilPrivateKeys, repositoryRoot, until } from "@payable-ai/sdk/testing";
import { createPublicClient, createWalletClient, type Hex, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOperatorCommand } from "../src/operator.js";
import type { RunningKeeper } from "../src/run.js";
import { KeeperStateStore } from "../src/stateStore.js";
import {
  localChain,
  registerTestModel,
  startProtocolChain,
  stopProtocolChain,
} from "./support/protocolChain.js";
import { runOfflineKeeper, stakeMinimum } from "./support/protocolKeeper.js";

const CHAIN_ID = 913_412;
const cli = join(repositoryRoot, "keepers", "src", "cli.ts");

describe("operating a keeper: health, shutdown, operator commands", () => {
  let anvil: Anvil;
  let deployment: Deployment;
  let dir: string;
  let modelId: bigint;
  let services: Server;
  let servicesUrl: string;
  let hung: Server;
  let hungUrl: string;
  let hungCalls = 0;
  const keepers: RunningKeeper[] = [];
  const stakedKey = anvilPrivateKeys[7];
  const unstakedKey = anvilPrivateKeys[8];
  const operatorKey = anvilPrivateKeys[9];

  const chain = localChain(CHAIN_ID, "operations");
  const wallet = (key: Hex) =>
    createWalletClient({ chain, transport: http(anvil.rpcUrl), account: privateKeyToAccount(key) });

  const listen = (server: Server) =>
    new Promise<string>((done) =>
      server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-operations-"));
    ({ anvil, deployment } = await startProtocolChain(CHAIN_ID));
    await stakeMinimum(anvil.rpcUrl, chain, deployment, [stakedKey]);
    ({ modelId } = await registerTestModel(wallet(anvilPrivateKeys[0]), deployment.contracts));
    // Healthy stand-ins for the gateway and the inference node: they answer /health.
    services = createServer((_, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
    servicesUrl = await listen(services);
    // A gateway that accepts every call and never answers.
    hung = createServer(() => {
      hungCalls++;
    });
    hungUrl = await listen(hung);
  }, 120_000);

  afterAll(async () => {
    for (const keeper of keepers) await keeper.stop();
    for (const server of [services, hung]) {
      server?.closeAllConnections();
      await new Promise((done) => server?.close(done));
    }
    await stopProtocolChain(anvil, CHAIN_ID);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function health(keeper: RunningKeeper, path = "/health") {
    const response = await fetch(`${keeper.url}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("is ready (200) when staked, active, caught up and its dependencies answer", async () => {
    const keeper = await runOfflineKeeper({
      rpcUrl: anvil.rpcUrl,
      privateKey: stakedKey,
      stateDir: join(dir, "ready"),
      pollIntervalMs: 100,
      gatewayUrl: servicesUrl,
      inferenceUrl: servicesUrl,
      health: { cacheMs: 0 },
    });
    keepers.push(keeper);
    await until("a first tick", async () => (keeper.node.loopStatus.lastTickAt ? true : undefined));
    const ready = await health(keeper);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      ready: true,
      reasons: [],
      staked: true,
      active: true,
      lagBlocks: "0",
      dependencies: { rpc: { ok: true }, gateway: { ok: true }, inference: { ok: true } },
    });
    expect(typeof ready.body.lastTickAt).toBe("string");
    expect((await health(keeper, "/health/ready")).status).toBe(200);
    expect((await health(keeper, "/health/live")).body).toMatchObject({ live: true });
    expect(await (await fetch(`${keeper.url}/metrics`)).text()).toMatch(/keeper_ready 1/);
  });

  it("is not ready (503, with reasons) when its services are down or its key is not staked; still live", async () => {
    const keeper = await runOfflineKeeper({
      rpcUrl: anvil.rpcUrl,
      privateKey: unstakedKey,
      stateDir: join(dir, "unready"),
      pollIntervalMs: 100,
      health: { cacheMs: 0, probeTimeoutMs: 500 },
    });
    keepers.push(keeper);
    await until("a first tick", async () => (keeper.node.loopStatus.lastTickAt ? true : undefined));
    const { status, body } = await health(keeper);
    expect(status).toBe(503);
    expect(body).toMatchObject({
      ready: false,
      staked: false,
      active: false,
      dependencies: { rpc: { ok: true } },
    });
    const reasons = (body.reasons as string[]).join("\n");
    expect(reasons).toMatch(/gateway unreachable: http:\/\/127.0.0.1:9\/health is unreachable/);
    expect(reasons).toMatch(/inference unreachable: inference node: health failed/);
    expect(reasons).toMatch(/no stake/);
    expect((await health(keeper, "/health/live")).status).toBe(200);
  });

  it("exits within its drain bound on SIGTERM with a gateway call in flight, its state intact", async () => {
    const stateDir = join(dir, "drain");
    const keyFile = join(dir, "drain.key");
    await writeFile(keyFile, stakedKey, { mode: 0o600 });
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        cli,
        "--rpc-url",
        anvil.rpcUrl,
        "--private-key-file",
        keyFile,
        "--state-dir",
        stateDir,
        "--port",
        String(port),
        "--confirmations",
        "0",
        "--poll-interval-ms",
        "100",
        "--drain-seconds",
        "2",
        "--log-level",
        "warn",
      ],
      {
        cwd: repositoryRoot,
        env: { ...process.env, KEEPER_GATEWAY_URL: hungUrl, KEEPER_GATEWAY_TIMEOUT_MS: "120000" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c));
    child.stderr?.on("data", (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    try {
      await until("the keeper to listen", async () =>
        (await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined)) ? true : undefined,
      );
      const { requestId } = await requestInference(wallet(anvilPrivateKeys[0]), {
        contracts: deployment.contracts,
        modelId,
        inputHash: contentHash("a question for a hung gateway"),
        inputURI: "blob:question",
        maxFee: parseEther("1"),
      });
      const calls = hungCalls;
      await until("the keeper to call the hung gateway", async () => (hungCalls > calls ? true : undefined));
      const started = Date.now();
      child.kill("SIGTERM");
      const code = await exited;
      const elapsed = Date.now() - started;
      expect(code, output).toBe(0);
      expect(elapsed).toBeLessThan(2_000 + 3_000);
      expect(output).not.toMatch(/visible/);

      const store = await KeeperStateStore.open(stateDir, {
        chainId: CHAIN_ID,
        market: deployment.contracts.InferenceMarket,
        keeper: privateKeyToAccount(stakedKey).address,
        startBlock: 0n,
      });
      const record = store.get(requestId);
      expect(record).toMatchObject({ phase: "open", attempts: 1 });
      expect(record?.lastError).toMatch(/^GET http:\S+\/blobs\/[0-9a-f]{64} was aborted\./);
      expect(
        JSON.parse(await readFile(join(stateDir, "state.json"), "utf8")).requests[String(requestId)],
      ).toBeDefined();
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  it("stakes, tops up, reports status and unbonds through the operator commands", async () => {
    const { contracts } = deployment;
    const operator = privateKeyToAccount(operatorKey).address;
    const publicClient = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const hash = await wallet(anvilPrivateKeys[0]).writeContract({
      address: contracts.OpenToken,
      abi: openTokenAbi,
      functionName: "transfer",
      args: [operator, parseEther("200")],
    });
    await publicClient.waitForTransactionReceipt({ hash });
    const run = (command: Parameters<typeof runOperatorCommand>[0], args: string[] = []) =>
      runOperatorCommand(command, args, { rpcUrl: anvil.rpcUrl, privateKey: operatorKey });

    expect(await run("status")).toMatchObject({
      keeper: operator,
      stake: "0",
      active: false,
      unbonding: false,
    });
    await expect(run("top-up", ["1"])).rejects.toThrow(/no stake to top up/);
    expect(await run("stake", ["100"])).toMatchObject({ stake: "100", active: true });
    expect(await run("top-up", ["5.5"])).toMatchObject({ stake: "105.5", active: true });
    const unbonding = await run("unbond");
    expect(unbonding).toMatchObject({ active: false, unbonding: true, rewards: { claimable: "0" } });
    await expect(run("withdraw")).rejects.toThrow(/KeeperUnbondingNotElapsed/);
    await expect(run("claim")).rejects.toThrow(/VaultNothingToClaim/);

    // The same through the CLI, with the key in the environment.
    const { code, stdout } = await runCli(["status", "--rpc-url", anvil.rpcUrl], {
      KEEPER_PRIVATE_KEY: operatorKey,
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ keeper: operator, stake: "105.5", unbonding: true });
  }, 60_000);

  it("the CLI prints its usage on --help (0) and on an unknown option (2)", async () => {
    const help = await runCli(["--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: keeper/);
    const wrong = await runCli(["--rpc", "x"], {});
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/keeper: .*--rpc/);
    expect(wrong.stderr).toMatch(/Usage: keeper/);
    expect(wrong.stderr).not.toMatch(/ERR_PARSE_ARGS/);
  }, 30_000);
});

function runCli(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
      cwd: repositoryRoot,
      env: { ...process.env, KEEPER_PRIVATE_KEY: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (c: Buffer) => (stdout += c));
    child.stderr?.on("data", (c: Buffer) => (stderr += c));
    child.once("exit", (code) => done({ code, stdout, stderr }));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}
