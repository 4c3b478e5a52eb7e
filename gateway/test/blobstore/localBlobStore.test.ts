import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  BlobCorruptedError,
  blobIdOf,
  blobIdToContentHash,
  InvalidBlobIdError,
  parseBlobId,
} from "../../src/blobstore/blobStore.js";
import { LocalBlobStore } from "../../src/blobstore/localBlobStore.js";

const HELLO_ID = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const hello = new TextEncoder().encode("hello");

describe("LocalBlobStore", () => {
  let root: string;
  let store: LocalBlobStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "blobs-"));
    store = new LocalBlobStore(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("stores content under its sha256 and reads it back", async () => {
    expect(await store.put(hello)).toEqual({ id: HELLO_ID, size: 5, created: true });
    expect(new TextDecoder().decode(await store.get(HELLO_ID))).toBe("hello");
    expect(await store.stat(HELLO_ID)).toEqual({ size: 5 });
    expect(await readdir(join(root, "2c"))).toEqual([HELLO_ID]);
  });

  it("is idempotent for the same content, also under concurrent puts", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(hello)));
    expect(results.every((r) => r.id === HELLO_ID)).toBe(true);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await store.put(hello)).created).toBe(false);
    expect(await readdir(join(root, "tmp"))).toEqual([]);
  });

  it("reports one creation among concurrent puts by stores sharing a directory", async () => {
    const content = new TextEncoder().encode("written by two processes at once");
    const stores = Array.from({ length: 4 }, () => new LocalBlobStore(root));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (stores[i % stores.length] as LocalBlobStore).put(content)),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await readdir(join(root, "tmp"))).toEqual([]);
    expect(await store.get(blobIdOf(content))).toEqual(content);
  });

  it("checks that it can take a blob, leaving nothing behind", async () => {
    await store.checkWritable();
    expect(await readdir(join(root, "tmp"))).toEqual([]);
    const blocked = new LocalBlobStore(join(root, "2c", "not-a-dir"));
    await store.put(hello);
    await writeFile(join(root, "2c", "not-a-dir"), "a file where the store's root should be");
    await expect(blocked.checkWritable()).rejects.toThrow();
  });

  it("stores the empty blob", async () => {
    const { id } = await store.put(new Uint8Array(0));
    expect(id).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect((await store.get(id))?.byteLength).toBe(0);
  });

  it("answers undefined for an absent blob and refuses malformed ids", async () => {
    expect(await store.get(blobIdOf(new Uint8Array([1])))).toBeUndefined();
    expect(await store.has(blobIdOf(new Uint8Array([1])))).toBe(false);
    await expect(store.get("../../etc/passwd")).rejects.toThrow(InvalidBlobIdError);
    await expect(store.get(HELLO_ID.toUpperCase())).rejects.toThrow(InvalidBlobIdError);
  });

  it("detects a blob whose file was altered", async () => {
    await store.put(hello);
    await writeFile(join(root, "2c", HELLO_ID), "jello");
    await expect(store.get(HELLO_ID)).rejects.toThrow(BlobCorruptedError);
  });
});

describe("blob ids", () => {
  it("parse from bare or 0x-prefixed hex of any case", () => {
    expect(parseBlobId(HELLO_ID)).toBe(HELLO_ID);
    expect(parseBlobId(`0x${HELLO_ID.toUpperCase()}`)).toBe(HELLO_ID);
    expect(parseBlobId("0x1234")).toBeUndefined();
    expect(parseBlobId(`${HELLO_ID}00`)).toBeUndefined();
    expect(blobIdToContentHash(HELLO_ID)).toBe(`0x${HELLO_ID}`);
  });
});
