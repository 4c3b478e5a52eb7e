import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileNonceStore } from "../src/nonceStore.js";

describe("FileNonceStore", () => {
  let dir: string;
  let path: string;
  let clock = 1_000;
  const now = () => clock;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "nonces-"));
    path = join(dir, "state", "nonces.log");
    clock = 1_000;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("accepts a nonce once, also under concurrent calls", async () => {
    const store = await FileNonceStore.open(path, now);
    const results = await Promise.all(Array.from({ length: 10 }, () => store.consume("0xabc:0x01", 2_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.consume("0xabc:0x02", 2_000)).toBe(true);
  });

  it("still refuses used nonces after a restart, and forgets expired ones", async () => {
    const store = await FileNonceStore.open(path, now);
    await store.consume("a:1", 1_500);
    await store.consume("a:2", 3_000);
    clock = 2_000;
    const reopened = await FileNonceStore.open(path, now);
    expect(await reopened.consume("a:2", 3_000)).toBe(false);
    expect(await reopened.consume("a:1", 2_500)).toBe(true);
    expect((await readFile(path, "utf8")).trim().split("\n")).toEqual(["a:2 3000", "a:1 2500"]);
  });

  it("refuses keys with whitespace, which would corrupt the log", async () => {
    const store = await FileNonceStore.open(path, now);
    await expect(store.consume("a b", 2_000)).rejects.toThrow(/whitespace/);
  });
});
