import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@payable-ai/sdk/testing";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { encoding: "utf8", timeout: 60_000 });

/** Starts the service, returns the URL it says it listens on, and stops it. */
async function listeningUrl(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 60 s: ${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)".*"msg":"model factory listening"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
  } finally {
    child.kill("SIGTERM");
  }
}

describe("model-factory CLI", () => {
  it("prints its usage for --help and exits 0", () => {
    const { status, stdout } = run("--help");
    expect(status).toBe(0);
    expect(stdout).toMatch(/^Usage: model-factory \[options\]/);
    expect(stdout).toContain("--gateway URL");
    expect(stdout).toContain("$MODEL_FACTORY_DATA_DIR");
  });

  it("refuses an unknown option with one line and the usage, exit 2", () => {
    const { status, stderr } = run("--bogus");
    expect(status).toBe(2);
    expect(stderr.split("\n")[0]).toBe("model-factory: Unknown option '--bogus'");
    expect(stderr).toContain("Usage: model-factory");
  });

  it("refuses an unknown --log-level with one line and the usage, exit 2", () => {
    const { status, stderr } = run("--log-level", "loud");
    expect(status).toBe(2);
    expect(stderr.split("\n")[0]).toMatch(
      /^model-factory: --log-level "loud" is not one of trace, debug, info/,
    );
  });

  it("takes options from flags, then MODEL_FACTORY_* variables, then --config", async () => {
    const dir = await mkdtemp(join(tmpdir(), "factory-cli-"));
    try {
      const [fromConfig, fromEnv, fromFlag] = [await freePort(), await freePort(), await freePort()];
      const config = join(dir, "factory.json");
      await writeFile(config, JSON.stringify({ port: String(fromConfig), "data-dir": join(dir, "data") }));
      const base = ["--config", config];
      expect(await listeningUrl(base, {})).toBe(`http://127.0.0.1:${fromConfig}`);
      expect(await listeningUrl(base, { MODEL_FACTORY_PORT: String(fromEnv) })).toBe(
        `http://127.0.0.1:${fromEnv}`,
      );
      expect(
        await listeningUrl([...base, "--port", String(fromFlag)], { MODEL_FACTORY_PORT: String(fromEnv) }),
      ).toBe(`http://127.0.0.1:${fromFlag}`);
      await writeFile(config, JSON.stringify({ prot: "1" }));
      const { status, stderr } = run("--config", config);
      expect(status).toBe(2);
      expect(stderr.split("\n")[0]).toMatch(/unknown option "prot"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
