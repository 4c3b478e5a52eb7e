import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = (name: string) => fileURLToPath(new URL(`../src/cli/${name}`, import.meta.url));
const tsx = ["--import", "tsx"];

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
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = "";
      server?.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = /"url":"(http:[^"]+)"/.exec(buffered);
        if (match) resolve(match[1] as string);
      });
      server?.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    });
    const response = await fetch(`${url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-1", prompt: "hi", max_tokens: 3 }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).usage.prompt_tokens).toBe(3);
    const exited = new Promise<number | null>((resolve) => server?.once("exit", resolve));
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
    server = undefined;
  }, 60_000);
});
