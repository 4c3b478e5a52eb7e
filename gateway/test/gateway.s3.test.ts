import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatanetChain, startDatanetChain } from "@payable-ai/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobIdOf } from "../src/blobstore/blobStore.js";
import { S3BlobStore } from "../src/blobstore/s3BlobStore.js";
import { FileNonceStore } from "../src/nonceStore.js";
import { type RunningGateway, startGateway } from "../src/server.js";
import { ViemAccessChecker } from "../src/viemAccessChecker.js";
import { LocalBlobVisibility } from "../src/visibility.js";
import { postSession, signAccessRequest } from "./support/gatewaySession.js";
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from "./support/s3Server.js";

const BUCKET = "gateway-blobs";
const PREFIX = "datanets/v1";
const text = (s: string) => new TextEncoder().encode(s);

describe("data gateway with its blobs in an S3 bucket", () => {
  let chain: DatanetChain;
  let s3: TestS3Server;
  let store: S3BlobStore;
  let gateway: RunningGateway;
  let dataDir: string;
  let datanetId: bigint;

  beforeAll(async () => {
    [chain, s3] = await Promise.all([startDatanetChain(), startS3Server([BUCKET])]);
    dataDir = await mkdtemp(join(tmpdir(), "gateway-s3-"));
    store = new S3BlobStore({
      bucket: BUCKET,
      prefix: PREFIX,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
    });
    gateway = await startGateway({
      blobs: store,
      visibility: new LocalBlobVisibility(join(dataDir, "datanet-content")),
      access: await ViemAccessChecker.connect({
        rpcUrl: chain.anvil.rpcUrl,
        datanetRegistry: chain.registry,
      }),
      nonces: await FileNonceStore.open(join(dataDir, "nonces.log")),
    });
    datanetId = await chain.createDatanet([chain.accounts.curator.address]);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    store?.destroy();
    await Promise.all([chain?.stop(), s3?.stop()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("reports the bucket in its readiness check", async () => {
    const health = await fetch(`${gateway.url}/health`);
    expect(await health.json()).toMatchObject({ checks: { blobStore: { ok: true } } });
  });

  it("stores an upload as an object in the bucket and serves it back", async () => {
    const body = text("model output kept in object storage");
    const id = blobIdOf(body);
    const res = await fetch(`${gateway.url}/blobs?visibility=public`, { method: "POST", body });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id, created: true });
    expect(await readdir(join(s3.directory, BUCKET, PREFIX, id.slice(0, 2)))).toContain(
      `${id}._S3rver_object`,
    );
    const again = await fetch(`${gateway.url}/blobs?visibility=public`, { method: "POST", body });
    expect(again.status).toBe(200);
    expect((await again.json()).created).toBe(false);

    const get = await fetch(`${gateway.url}/blobs/${id}`);
    expect(get.status).toBe(200);
    expect(new Uint8Array(await get.arrayBuffer())).toEqual(body);
    const missing = await fetch(`${gateway.url}/blobs/${blobIdOf(text("never uploaded"))}`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe("blob_not_found");
  });

  it("serves a contribution from the bucket to a reader with access, and to no one else", async () => {
    const { accounts } = chain;
    const contribution = text("Hourly river levels, gauge 4, read from the bucket.");
    expect((await fetch(`${gateway.url}/blobs`, { method: "POST", body: contribution })).status).toBe(201);
    const contributionId = await chain.contribute(
      accounts.contributor,
      datanetId,
      `0x${blobIdOf(contribution)}`,
      "gw://s3",
    );
    await chain.requestAccess(accounts.reader, datanetId);
    await chain.approveAccess(datanetId, accounts.reader.address);

    const download = (token?: string) =>
      fetch(`${gateway.url}/datanets/${datanetId}/contributions/${contributionId}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    const session = await postSession(
      gateway.url,
      await signAccessRequest(chain, accounts.reader, { datanetId }),
    );
    expect(session.status).toBe(201);
    const { token } = (await session.json()) as { token: string };
    const res = await download(token);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(contribution);

    // Datanet content is not public, wherever it is stored.
    expect((await fetch(`${gateway.url}/blobs/${blobIdOf(contribution)}`)).status).toBe(403);
    expect((await download()).status).toBe(401);
    const stranger = await postSession(
      gateway.url,
      await signAccessRequest(chain, accounts.stranger, { datanetId }),
    );
    expect(stranger.status).toBe(403);
  });
});
