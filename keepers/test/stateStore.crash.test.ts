import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeeperStateStore } from "../src/stateStore.js";

const identity = {
  chainId: 31337,
  market: "0x00000000000000000000000000000000000000aa",
  keeper: "0x00000000000000000000000000000000000000bb",
  startBlock: 5n,
} as const;

/** Runs the writer until it acknowledged `after` saves plus a few milliseconds, then SIGKILLs it. */
function runAndKill(dir: string, limit: number, after: number, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "stateStoreWriter.ts"), dir, String(limit)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let acknowledged = 0;
    let seen = 0;
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() as string;
      for (const line of lines) acknowledged = Number(line);
      seen += lines.length;
      if (seen >= after && seen - lines.length < after) setTimeout(() => child.kill("SIGKILL"), delayMs);
    });
    child.on("error", reject);
    child.on("exit", (_, signal) => {
      if (signal === "SIGKILL") resolve(acknowledged);
      else reject(new Error(`writer exited on its own (${signal})`));
    });
  });
}

describe("KeeperStateStore under SIGKILL", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "keeper-crash-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("keeps every acknowledged save and never half of one, across kills mid-append and mid-compaction", async () => {
    for (const [round, delayMs] of [0, 1, 3, 7, 13, 2].entries()) {
      // A small bound makes compactions frequent, so some kills land in one.
      const acknowledged = await runAndKill(dir, 8_192, 20 + round * 15, delayMs);
      const store = await KeeperStateStore.open(dir, identity, { onWarning: () => {} });
      const count = store.all().length;
      expect(count).toBeGreaterThanOrEqual(acknowledged);
      expect(store.all().map((r) => r.requestId)).toEqual(
        Array.from({ length: count }, (_, i) => String(i + 1)),
      );
      expect(store.nextBlock).toBe(5n + BigInt(count));
      if (count >= 2) expect(store.get(BigInt(count >> 1))?.attempts).toBe(count);
    }
  }, 120_000);
});
