import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DatanetChain, startDatanetChain, until } from "@payable-ai/sdk/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blobIdOf } from "../src/blobstore/blobStore.js";
import { LocalBlobStore } from "../src/blobstore/localBlobStore.js";
import { GatewayMetrics } from "../src/metrics.js";
import { FileNonceStore } from "../src/nonceStore.js";
import { RpcHealth } from "../src/rpcHealth.js";
import { type RunningGateway, startGateway } from "../src/server.js";
import { ViemAccessChecker } from "../src/viemAccessChecker.js";
import { LocalBlobVisibility } from "../src/visibility.js";
import { startRpcProxy } from "./rpcProxy.js";
import { postSession, signAccessRequest } from "./support/gatewaySession.js";

const RPC_TIMEOUT_MS = 400;

describe("gateway health, RPC timeouts and shutdown", () => {
  let chain: DatanetChain;
  let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
  let access: ViemAccessChecker;
  let dataDir: string;
  let datanetId: bigint;

  async function start(options: { blobsDir?: string; metrics?: GatewayMetrics } = {}) {
    return startGateway({
      blobs: new LocalBlobStore(options.blobsDir ?? join(dataDir, "blobs")),
      visibility: new LocalBlobVisibility(join(dataDir, "datanet-content")),
      access,
      nonces: await FileNonceStore.open(join(dataDir, `nonces-${randomBytes(4).toString("hex")}.log`)),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
  }

  const openSession = async (gateway: RunningGateway) =>
    postSession(gateway.url, await signAccessRequest(chain, chain.accounts.reader, { datanetId }));

  beforeAll(async () => {
    chain = await startDatanetChain();
    proxy = await startRpcProxy(chain.anvil.rpcUrl);
    dataDir = await mkdtemp(join(tmpdir(), "gateway-health-"));
    access = await ViemAccessChecker.connect({
      rpcUrl: proxy.url,
      datanetRegistry: chain.registry,
      keeperRegistry: chain.keeperRegistry,
      rpcTimeoutMs: RPC_TIMEOUT_MS,
      rpcHealth: new RpcHealth(60_000),
    });
    datanetId = await chain.createDatanet();
    await chain.requestAccess(chain.accounts.reader, datanetId);
    await chain.approveAccess(datanetId, chain.accounts.reader.address);
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await chain?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("answers a hung RPC with 503 rpc_unavailable within the timeout, and turns not ready until it answers", async () => {
    const gateway = await start();
    try {
      const ready = await fetch(`${gateway.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ok: true,
        chainId: chain.anvil.chainId,
        datanetRegistry: chain.registry,
        checks: { rpc: { ok: true }, blobStore: { ok: true }, draining: false },
      });
      expect((await openSession(gateway)).status).toBe(201);

      proxy.state.hang = true;
      const started = performance.now();
      const hung = await openSession(gateway);
      const waited = performance.now() - started;
      expect(hung.status).toBe(503);
      expect(hung.headers.get("retry-after")).toBe("5");
      expect((await hung.json()).error).toEqual({
        code: "rpc_unavailable",
        message: `the chain RPC did not answer within ${RPC_TIMEOUT_MS} ms`,
      });
      expect(waited).toBeGreaterThanOrEqual(RPC_TIMEOUT_MS - 50);
      expect(waited).toBeLessThan(RPC_TIMEOUT_MS + 2_000);

      for (const path of ["/health", "/health/ready"]) {
        const res = await fetch(`${gateway.url}${path}`);
        expect(res.status).toBe(503);
        const body = await res.json();
        expect(body).toMatchObject({
          ok: false,
          chainId: chain.anvil.chainId,
          checks: { rpc: { ok: false } },
        });
        expect(body.checks.rpc.lastError).toMatch(/took too long/);
      }
      const live = await fetch(`${gateway.url}/health/live`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({
        ok: true,
        chainId: chain.anvil.chainId,
        datanetRegistry: chain.registry,
      });

      proxy.state.hang = false;
      expect((await openSession(gateway)).status).toBe(201);
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    } finally {
      proxy.state.hang = false;
      await gateway.close();
    }
  });

  it("is not ready while the blob store cannot take a blob", async () => {
    const blobsDir = join(dataDir, "readonly-blobs");
    const metrics = new GatewayMetrics();
    const gateway = await start({ blobsDir, metrics });
    try {
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
      // A file where the store writes its temporary files: no upload could land.
      await rm(join(blobsDir, "tmp"), { recursive: true });
      await writeFile(join(blobsDir, "tmp"), "");
      const res = await fetch(`${gateway.url}/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        ok: false,
        checks: { blobStore: { ok: false }, rpc: { ok: true } },
      });
      expect((await metrics.registry.getSingleMetric("gateway_ready")?.get())?.values[0]?.value).toBe(0);
      expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });

  describe("shutdown", () => {
    /** An upload whose body arrives in two parts; `finish` sends the second. */
    function slowUpload(gateway: RunningGateway, content: Uint8Array) {
      let finish = () => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(content.subarray(0, 10));
          finish = () => {
            controller.enqueue(content.subarray(10));
            controller.close();
          };
        },
      });
      const response = fetch(`${gateway.url}/blobs?visibility=public`, {
        method: "POST",
        body,
        duplex: "half",
      } as RequestInit);
      return { response, finish: () => finish() };
    }

    it("refuses new requests with 503, lets an in-flight upload finish, then closes", async () => {
      const gateway = await start();
      const content = randomBytes(64 * 1024);
      const upload = slowUpload(gateway, content);
      await until("the upload in flight", () => gateway.inFlight === 1, 5_000, 20);
      const closed = gateway.close({ timeoutMs: 10_000 });
      let done = false;
      void closed.then(() => {
        done = true;
      });

      const refused = await fetch(`${gateway.url}/blobs/${blobIdOf(content)}`);
      expect(refused.status).toBe(503);
      expect((await refused.json()).error.code).toBe("shutting_down");
      const health = await fetch(`${gateway.url}/health`);
      expect(health.status).toBe(503);
      expect((await health.json()).checks.draining).toBe(true);
      expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
      expect(done).toBe(false);

      upload.finish();
      const res = await upload.response;
      expect(res.status).toBe(201);
      expect((await res.json()).id).toBe(blobIdOf(content));
      await closed;
      await expect(fetch(`${gateway.url}/health/live`)).rejects.toThrow();
    });

    it("cuts what is still in flight after the bound", async () => {
      const gateway = await start();
      const upload = slowUpload(gateway, randomBytes(1024));
      await until("the upload in flight", () => gateway.inFlight === 1, 5_000, 20);
      const started = performance.now();
      await gateway.close({ timeoutMs: 300 });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(3_000);
      await expect(upload.response).rejects.toThrow();
    });
  });
});
