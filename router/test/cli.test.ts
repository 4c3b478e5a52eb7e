import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { freePort, until } from "@payable-ai/sdk/testing";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const cli = resolve(import.meta.dirname, "../src/cli.ts");
let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "router-cli-"));
});
afterAll(() => rm(directory, { recursive: true, force: true }));

/** Runs the CLI to its end: exit code and output. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("router command line", () => {
  test("--help prints the usage and exits 0", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: router \[options\]/);
    expect(stdout).toContain("--node URL");
    expect(stdout).toContain("$ROUTER_POLL_MS");
  });

  test.each([
    [[], "give at least one --node"],
    [["--node", "ftp://x"], "node 1: url"],
    [["--node", "http://127.0.0.1:1", "--port=-3"], "--port must be an integer ≥ 0"],
    [["--node", "http://127.0.0.1:1", "--load-factor", "0.5"], "--load-factor must be a number ≥ 1"],
    [["--bogus"], "Unknown option '--bogus'"],
  ])("%j exits 2 with one error line", async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toContain(message);
    expect(stderr).toContain("Usage: router");
  });

  test("a config file with a bad mapping exits 2 and names the node", async () => {
    const path = join(directory, "bad.json");
    await writeFile(
      path,
      JSON.stringify({ node: [{ url: "http://127.0.0.1:1", kind: "openai", adapters: { "0xabc": "x" } }] }),
    );
    const { code, stderr } = await run(["--config", path]);
    expect(code).toBe(2);
    expect(stderr.split("\n")[0]).toContain('node 1: adapters: "0xabc" is not a sha256');
  });

  test("starts from a config file, reports its nodes on /health, and stops on SIGTERM", async () => {
    const port = await freePort();
    const path = join(directory, "router.json");
    await writeFile(path, JSON.stringify({ node: ["http://127.0.0.1:9"], port, "poll-ms": 100 }));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--config", path, "--log-level", "warn"], {
      stdio: "ignore",
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const health = await until("the router listening", async () => {
        const response = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        return (
          response && { status: response.status, body: (await response.json()) as Record<string, unknown> }
        );
      });
      // Nothing listens on port 9: the node is down, so the router is not ready to route.
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({
        status: "no_nodes",
        nodes: [{ name: "127.0.0.1:9", status: "down" }],
      });
      const refused = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "demo-0", prompt: "x" }),
      });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("no_node_available");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
