import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", cli, ...args], { encoding: "utf8", timeout: 60_000 });

describe("model-factory CLI", () => {
  it("prints its usage for --help and exits 0", () => {
    const { status, stdout } = run("--help");
    expect(status).toBe(0);
    expect(stdout).toMatch(/^usage: model-factory/);
    expect(stdout).toContain("--gateway <url>");
  });

  it("refuses an unknown option with one line and the usage, exit 2", () => {
    const { status, stderr } = run("--bogus");
    expect(status).toBe(2);
    expect(stderr.split("\n")[0]).toBe("error: Unknown option '--bogus'");
    expect(stderr).toContain("usage: model-factory");
  });
});
