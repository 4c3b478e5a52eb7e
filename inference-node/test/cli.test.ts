import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = (name: string) => fileURLToPath(new URL(`../src/cli/${name}`, import.meta.url));
const tsx = ["--import", "tsx"];

/** Runs node with `args`, expecting it to fail; its exit code and stderr. */
const runFailing = (args: string[], options: { env?: NodeJS.ProcessEnv } = {}) =>
  run(process.execPath, args, options).then(
    () => expect.unreachable("it should fail"),
    (error: { code: number; stderr: string }) => error,
  );

/** The URL a started server logs once it listens; rejects if it exits first. */
const listeningUrl = (server: ChildProcess) =>
  new Promise<string>((resolve, reject) => {
    let buffered = "";
    server.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /"url":"(http:[^"]+)"/.exec(buffered);
      if (match) resolve(match[1] as string);
    });
    server.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });

/** Sends SIGTERM and resolves with the exit code. */
const stop = (server: ChildProcess) => {
  const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  return exited;
};

describe("command line", () => {
  let directory: string;
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "inference-node-cli-"));
  });
  afterAll(async () => {
    server?.kill("SIGTERM");
    await rm(directory, { recursive: true, force: true });
  });

  it("generates a model and adapters, then serves them from the start command", async () => {
    const modelDir = join(directory, "model");
    const adaptersDir = join(directory, "adapters");
    const generated = await run(process.execPath, [
      ...tsx,
      cli("generateModel.ts"),
      "--model-dir",
      modelDir,
      "--adapters-dir",
      adaptersDir,
      "--layers",
      "1",
      "--hidden",
      "64",
      "--heads",
      "4",
      "--kv-heads",
      "2",
      "--intermediate",
      "96",
      "--adapters",
      "2",
    ]);
    const registry = JSON.parse(await readFile(join(adaptersDir, "registry.json"), "utf8"));
    expect(Object.keys(registry.adapters)).toEqual(["demo-0", "demo-1"]);
    expect(generated.stdout).toContain(registry.adapters["demo-1"].sha256);

    server = spawn(
      process.execPath,
      [
        ...tsx,
        cli("start.ts"),
        "--model-dir",
        modelDir,
        "--adapters-dir",
        adaptersDir,
        "--port",
        "0",
        "--max-batch",
        "4",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const url = await listeningUrl(server);
    const response = await fetch(`${url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-1", prompt: "hi", max_tokens: 3 }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).usage.prompt_tokens).toBe(3);
    expect(await stop(server)).toBe(0);
    server = undefined;
  }, 60_000);

  it.each(["start.ts", "generateModel.ts", "packAdapter.ts"])(
    "%s: --help prints usage, an unknown option exits 2",
    async (name) => {
      const help = await run(process.execPath, [...tsx, cli(name), "--help"]);
      expect(help.stdout).toMatch(/^Usage: /);
      expect(help.stdout).toContain("--help");
      const failed = await runFailing([...tsx, cli(name), "--no-such-option"]);
      expect(failed.code).toBe(2);
      expect(failed.stderr.split("\n")[0]).toMatch(/^[a-z-]+: Unknown option '--no-such-option'$/);
      expect(failed.stderr).toContain("Usage: ");
      expect(failed.stderr).not.toContain("ERR_PARSE_ARGS");
    },
    30_000,
  );

  it("start takes settings from flags over the environment over a --config file", async () => {
    const configFile = join(directory, "node.json");
    await writeFile(
      configFile,
      JSON.stringify({ "model-dir": join(directory, "model"), port: 0, "max-batch": 2, "max-queue": 7 }),
    );
    server = spawn(process.execPath, [...tsx, cli("start.ts"), "--config", configFile, "--max-queue", "11"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        INFERENCE_NODE_ADAPTERS_DIR: join(directory, "adapters"),
        INFERENCE_NODE_MAX_BATCH: "3",
        INFERENCE_NODE_MAX_QUEUE: "9",
      },
    });
    const url = await listeningUrl(server);
    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toMatchObject({ status: "ok", max_batch: 3, max_queue: 11 });
    expect(await stop(server)).toBe(0);
    server = undefined;

    const bad = await runFailing([...tsx, cli("start.ts"), "--config", configFile], {
      env: { ...process.env, INFERENCE_NODE_MAX_BATCH: "many" },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split("\n")[0]).toBe(
      'inference-node: $INFERENCE_NODE_MAX_BATCH must be an integer ≥ 0, got "many"',
    );
  }, 60_000);

  it("start refuses an unknown weight format, int4 for a generated model and a short admin token (exit 2)", async () => {
    const start = [...tsx, cli("start.ts"), "--model-dir", join(directory, "model"), "--port", "0"];
    const format = await runFailing([...start, "--weights", "int8"]);
    expect(format.code).toBe(2);
    expect(format.stderr.split("\n")[0]).toBe(
      'inference-node: --weights: "int8" is not one of f32, int4-sym, int4-asym',
    );
    const token = await runFailing(start, { env: { ...process.env, INFERENCE_NODE_ADMIN_TOKEN: "short" } });
    expect(token.code).toBe(2);
    expect(token.stderr.split("\n")[0]).toBe(
      "inference-node: --admin-token (or $INFERENCE_NODE_ADMIN_TOKEN) must be at least 16 characters",
    );
    const generated = await runFailing([
      ...start,
      "--adapters-dir",
      join(directory, "adapters"),
      "--weights",
      "int4-sym",
    ]);
    expect(generated.code).toBe(2);
    expect(generated.stderr).toMatch(/weights int4-sym apply to Hugging Face checkpoints/);
  }, 60_000);
});
