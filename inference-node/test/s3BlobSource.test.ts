import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3BlobStore } from "@payable-ai/gateway/blobstore";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BLOBS_DIR } from "../src/adapters/adapterDir.js";
import { createAdapterLoader } from "../src/adapters/adapterLoader.js";
import { StaticAdapterRegistry } from "../src/adapters/registry.js";
import { S3BlobSource } from "../src/adapters/s3BlobSource.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import { adaptersFixture, tinyModelDir } from "./helpers.js";

const config = TINY_CONFIG;
const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

describe("adapters read from the data gateway's S3 bucket", () => {
  let s3: S3rver;
  let s3Dir: string;
  let endpoint: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  let source: S3BlobSource;
  const connection = () => ({ endpoint, forcePathStyle: true, credentials });

  beforeAll(async () => {
    s3Dir = await mkdtemp(join(tmpdir(), "inference-node-s3-"));
    s3 = new S3rver({
      port: 0,
      address: "127.0.0.1",
      silent: true,
      directory: s3Dir,
      configureBuckets: [{ name: "payable-blobs", configs: [] }],
    });
    endpoint = `http://127.0.0.1:${((await s3.run()) as AddressInfo).port}`;
    fixture = await adaptersFixture(config, [
      { id: "alpha", options: { rank: 8, seed: 1 } },
      { id: "beta", options: { rank: 4, seed: 2 } },
    ]);
    // The gateway's writer puts the adapter packages; the node then reads the same keys.
    const writer = new S3BlobStore({ bucket: "payable-blobs", prefix: "gateway", ...connection() });
    for (const sha256 of Object.values(fixture.hashes)) {
      await writer.put(await readFile(join(fixture.directory, BLOBS_DIR, sha256)));
    }
    writer.destroy();
    await rm(join(fixture.directory, BLOBS_DIR), { recursive: true });
    source = new S3BlobSource({ bucket: "payable-blobs", prefix: "gateway", ...connection() });
  });
  afterAll(async () => {
    source?.close();
    await fixture?.remove();
    await s3?.close();
    if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
  });

  it("loads a verified adapter from the bucket and names the bucket when a blob is missing", async () => {
    const load = createAdapterLoader({ registry: fixture.registry, source, model: config });
    expect((await load("alpha")).rank).toBe(8);
    expect((await load("beta")).rank).toBe(4);
    await expect(source.get("0".repeat(64))).rejects.toThrow(
      `blob ${"0".repeat(64)} is not in s3://payable-blobs/gateway at ${endpoint}`,
    );
    await expect(source.get("../etc/passwd")).rejects.toThrow(/not a sha256/);
    const pointingElsewhere = new StaticAdapterRegistry([
      { id: "alpha", sha256: fixture.hashes.beta as string },
    ]);
    // The registry's hash names beta's bytes: they load as beta's, never as alpha's own file.
    expect(
      (await createAdapterLoader({ registry: pointingElsewhere, source, model: config })("alpha")).rank,
    ).toBe(4);
  });

  it("refuses with the bucket and endpoint when the bucket does not exist", async () => {
    const missing = new S3BlobSource({ bucket: "no-such-bucket", ...connection() });
    try {
      await expect(missing.get(fixture.hashes.alpha as string)).rejects.toThrow(
        `bucket "no-such-bucket" at ${endpoint} does not exist`,
      );
    } finally {
      missing.close();
    }
  });

  it("serves completions with adapters fetched through --blob-url s3://", async () => {
    const modelDir = await tinyModelDir(config, "inference-node-s3-model-");
    let server: StartedServer | undefined;
    try {
      server = await startInferenceServer({
        modelDir,
        adaptersDir: fixture.directory,
        blobUrl: "s3://payable-blobs/gateway",
        s3: connection(),
        port: 0,
        bankRank: 8,
      });
      const response = await fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "alpha", prompt: "Hello", max_tokens: 4, temperature: 0 }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ object: "text_completion", model: "alpha" });
    } finally {
      await server?.close();
      await rm(modelDir, { recursive: true, force: true });
    }
  }, 60_000);
});
