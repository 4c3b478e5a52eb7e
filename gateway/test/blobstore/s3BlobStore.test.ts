import { randomBytes } from "node:crypto";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobCorruptedError, blobIdOf, InvalidBlobIdError } from "../../src/blobstore/blobStore.js";
import { S3BlobStore, S3BlobStoreError, type S3BlobStoreOptions } from "../../src/blobstore/s3BlobStore.js";
import {
  S3RVER_CREDENTIALS,
  startConditionalPutFront,
  startS3Server,
  type TestS3Server,
} from "../support/s3Server.js";

const HELLO_ID = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
const hello = new TextEncoder().encode("hello");
const BUCKET = "blobs";

/** The keys s3rver holds under `prefix` (it stores each object as `<key>._S3rver_object`). */
async function keysUnder(server: TestS3Server, prefix: string): Promise<string[]> {
  const dir = join(server.directory, BUCKET, prefix);
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries
    .filter((e) => e.endsWith("._S3rver_object"))
    .map((e) => `${prefix}/${e.slice(0, -"._S3rver_object".length)}`)
    .sort();
}

describe("S3BlobStore against s3rver", () => {
  let server: TestS3Server;
  const stores: S3BlobStore[] = [];
  let prefixCount = 0;

  function storeFor(options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
    const store = new S3BlobStore({
      bucket: BUCKET,
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      ...options,
    });
    stores.push(store);
    return store;
  }
  /** A store under a prefix of its own, so tests do not see each other's blobs. */
  function freshStore(): { store: S3BlobStore; prefix: string } {
    const prefix = `test-${++prefixCount}`;
    return { store: storeFor({ prefix: `/${prefix}/` }), prefix };
  }

  beforeAll(async () => {
    server = await startS3Server([BUCKET]);
  });
  afterAll(async () => {
    for (const store of stores) store.destroy();
    await server?.stop();
  });

  it("stores content under <prefix>/<id[0:2]>/<id> and reads it back", async () => {
    const { store, prefix } = freshStore();
    expect(store.url).toBe(`s3://${BUCKET}/${prefix}`);
    expect(await store.put(hello)).toEqual({ id: HELLO_ID, size: 5, created: true });
    expect(new TextDecoder().decode(await store.get(HELLO_ID))).toBe("hello");
    expect(await store.stat(HELLO_ID)).toEqual({ size: 5 });
    expect(await store.has(HELLO_ID)).toBe(true);
    expect(await keysUnder(server, prefix)).toEqual([`${prefix}/2c/${HELLO_ID}`]);
  });

  it("puts at the bucket's root without a prefix", async () => {
    const store = storeFor();
    const content = new TextEncoder().encode("no prefix at all");
    const { id } = await store.put(content);
    expect(store.key(id)).toBe(`${id.slice(0, 2)}/${id}`);
    expect(await storeFor({ prefix: "" }).get(id)).toEqual(content);
  });

  it("is idempotent for the same content, also under concurrent puts", async () => {
    const { store } = freshStore();
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(hello)));
    expect(results.every((r) => r.id === HELLO_ID)).toBe(true);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect((await store.put(hello)).created).toBe(false);
  });

  it("reports an existing key written by another store as not created", async () => {
    const { store, prefix } = freshStore();
    const other = storeFor({ prefix });
    const content = new TextEncoder().encode("written by another gateway first");
    expect((await other.put(content)).created).toBe(true);
    expect(await store.put(content)).toEqual({
      id: blobIdOf(content),
      size: content.byteLength,
      created: false,
    });
  });

  it("reports one creation among stores racing on new content where the server enforces If-None-Match", async () => {
    const front = await startConditionalPutFront(server);
    try {
      const prefix = `race-${++prefixCount}`;
      const racers = Array.from({ length: 4 }, () => storeFor({ prefix, endpoint: front.endpoint }));
      for (let n = 0; n < 10; n++) {
        const content = new TextEncoder().encode(`raced content #${n}`);
        // Every racer's HEAD misses, so all of them send a conditional put; the server lets one through.
        const results = await Promise.all(racers.map((store) => store.put(content)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(await racers[0]?.get(blobIdOf(content))).toEqual(content);
      }
      expect(front.refused).toBeGreaterThan(0);
    } finally {
      await front.stop();
    }
  });

  it("checks that it can take a blob, leaving nothing behind", async () => {
    const { store, prefix } = freshStore();
    await store.checkWritable();
    expect(await keysUnder(server, prefix)).toEqual([]);
  });

  it("stores the empty blob", async () => {
    const { store } = freshStore();
    const { id } = await store.put(new Uint8Array(0));
    expect(id).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect((await store.get(id))?.byteLength).toBe(0);
    expect(await store.stat(id)).toEqual({ size: 0 });
  });

  it("stores a blob of several megabytes", async () => {
    const { store } = freshStore();
    const content = randomBytes(5 * 1024 * 1024);
    const { id, created } = await store.put(content);
    expect(created).toBe(true);
    const back = await store.get(id);
    expect(back?.byteLength).toBe(content.byteLength);
    expect(Buffer.compare(Buffer.from(back as Uint8Array), content)).toBe(0);
  });

  it("answers undefined for an absent blob and refuses malformed ids", async () => {
    const { store } = freshStore();
    expect(await store.get(blobIdOf(new Uint8Array([1])))).toBeUndefined();
    expect(await store.stat(blobIdOf(new Uint8Array([1])))).toBeUndefined();
    expect(await store.has(blobIdOf(new Uint8Array([1])))).toBe(false);
    await expect(store.get("../../etc/passwd")).rejects.toThrow(InvalidBlobIdError);
    await expect(store.get(HELLO_ID.toUpperCase())).rejects.toThrow(InvalidBlobIdError);
    await expect(store.has("2c")).rejects.toThrow(InvalidBlobIdError);
  });

  it("detects a blob whose object was altered", async () => {
    const { store, prefix } = freshStore();
    await store.put(hello);
    await writeFile(join(server.directory, BUCKET, prefix, "2c", `${HELLO_ID}._S3rver_object`), "jello");
    await expect(store.get(HELLO_ID)).rejects.toThrow(BlobCorruptedError);
  });

  it("names the bucket and the endpoint when the bucket does not exist", async () => {
    const store = storeFor({ bucket: "no-such-bucket" });
    const where = `bucket "no-such-bucket" at ${server.endpoint} does not exist`;
    await expect(store.checkWritable()).rejects.toThrow(where);
    await expect(store.put(hello)).rejects.toThrow(where);
    await expect(store.get(HELLO_ID)).rejects.toThrow(where);
    const error = await store.checkWritable().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3BlobStoreError);
    expect(error).toMatchObject({
      bucket: "no-such-bucket",
      endpoint: server.endpoint,
      s3Code: "NoSuchBucket",
    });
  });

  it("names the bucket and the endpoint when the credentials are refused", async () => {
    // s3rver checks the access key id (it does not verify SigV4 signatures).
    const store = storeFor({ credentials: { accessKeyId: "NOT-A-KEY", secretAccessKey: "S3RVER" } });
    const refused = `bucket "${BUCKET}" at ${server.endpoint} refused the credentials`;
    await expect(store.checkWritable()).rejects.toThrow(`${refused} (InvalidAccessKeyId)`);
    await expect(store.put(hello)).rejects.toThrow(refused);
    await expect(store.get(HELLO_ID)).rejects.toThrow(`${refused} (InvalidAccessKeyId)`);
    await expect(store.has(HELLO_ID)).rejects.toThrow(refused);
  });

  it("names the endpoint when nothing listens there", async () => {
    const store = storeFor({ endpoint: "http://127.0.0.1:1" });
    await expect(store.checkWritable()).rejects.toThrow(
      `bucket "${BUCKET}" at http://127.0.0.1:1: ECONNREFUSED`,
    );
  });
});
