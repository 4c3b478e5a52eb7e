import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sha256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayClient, InferenceClient, ServiceError } from "../src/services.js";

const account = privateKeyToAccount(`0x${"01".repeat(32)}`);
const domain = { chainId: 1, datanetRegistry: "0x00000000000000000000000000000000000000aa" } as const;
const hash = sha256(new Uint8Array([1, 2, 3]));

describe("keeper service clients: every call is bounded and names its service", () => {
  let hung: Server;
  let failing: Server;
  let hungUrl: string;
  let failingUrl: string;

  beforeAll(async () => {
    // Accepts connections and never answers, as a stuck gateway does.
    hung = createServer(() => {});
    failing = createServer((_, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "internal", message: "disk full" } }));
    });
    const listen = (server: Server) =>
      new Promise<string>((done) =>
        server.listen(0, "127.0.0.1", () =>
          done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      );
    hungUrl = await listen(hung);
    failingUrl = await listen(failing);
  });

  afterAll(async () => {
    for (const server of [hung, failing]) {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
    }
  });

  it("a hung gateway times out instead of pinning the caller", async () => {
    const gateway = new GatewayClient(hungUrl, account, domain, { timeoutMs: 200 });
    const started = Date.now();
    const error = await gateway.getPublicBlob(hash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).message).toMatch(/^gateway: blob 0x[0-9a-f]+ timed out after 200 ms$/);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(gateway.putPublicBlob(new Uint8Array([1]))).rejects.toThrow(/^gateway: upload timed out/);
    await expect(gateway.getContribution(1n, 2n, hash)).rejects.toThrow(
      /^gateway: access session for datanet 1 timed out/,
    );
  });

  it("a hung inference node times out; the shutdown signal aborts at once", async () => {
    const inference = new InferenceClient(hungUrl, { timeoutMs: 200 });
    await expect(inference.adapterIdFor(1n, hash)).rejects.toThrow(
      /^inference node: \/v1\/models timed out after 200 ms$/,
    );
    const shutdown = new AbortController();
    const slow = new InferenceClient(hungUrl, { timeoutMs: 60_000, signal: shutdown.signal });
    const started = Date.now();
    const pending = slow.chat({ model: "m", message: "hi", maxTokens: 1, temperature: 0, seed: 1 });
    setTimeout(() => shutdown.abort(), 100);
    await expect(pending).rejects.toThrow(/^inference node: \/v1\/chat\/completions aborted/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("HTTP errors and refused connections say which service failed", async () => {
    await expect(new GatewayClient(failingUrl, account, domain).getPublicBlob(hash)).rejects.toThrow(
      /^gateway: blob 0x[0-9a-f]+: HTTP 500 internal disk full$/,
    );
    await expect(new InferenceClient(failingUrl).adapterIdFor(1n, hash)).rejects.toThrow(
      /^inference node: \/v1\/models: HTTP 500 internal disk full$/,
    );
    await expect(new GatewayClient("http://127.0.0.1:9", account, domain).health(500)).rejects.toThrow(
      /^gateway: health failed/,
    );
    await expect(new InferenceClient(hungUrl).health(100)).rejects.toThrow(
      /^inference node: health timed out/,
    );
  });
});
