import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { contentHashOfFile } from "../node/contentHashOfFile.js";
import { contentHash, isContentHash } from "./contentHash.js";

describe("contentHash", () => {
  test("matches the sha256 test vectors", () => {
    expect(contentHash("")).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(contentHash("abc")).toBe("0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("hashes strings as UTF-8 bytes", () => {
    expect(contentHash("é")).toBe(contentHash(new Uint8Array([0xc3, 0xa9])));
  });

  const dir = mkdtemp(join(tmpdir(), "payable-sdk-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  test("hashes a file the same as its bytes", async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const path = join(await dir, "blob.bin");
    await writeFile(path, bytes);
    expect(await contentHashOfFile(path)).toBe(contentHash(bytes));
  });

  test("recognises content hashes", () => {
    expect(isContentHash(contentHash("x"))).toBe(true);
    expect(isContentHash("0x1234")).toBe(false);
    expect(isContentHash(`${contentHash("x")}00`)).toBe(false);
    expect(isContentHash(42)).toBe(false);
  });
});
