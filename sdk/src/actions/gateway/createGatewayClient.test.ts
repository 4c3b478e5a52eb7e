import { sha256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStuckServers } from "../../testing/stuckServers.js";
import { HttpRequestError } from "../../utils/http.js";
import { createGatewayClient } from "./createGatewayClient.js";

// The client against the real gateway is tested in the gateway package (gateway/test/client.test.ts);
// here, real servers that misbehave as a stuck or failing gateway does.
const account = privateKeyToAccount(`0x${"01".repeat(32)}`);
const domain = { chainId: 1, datanetRegistry: "0x00000000000000000000000000000000000000aa" } as const;
const hash = sha256(new Uint8Array([1, 2, 3]));

describe("createGatewayClient: every call is bounded and says what failed", () => {
  let servers: Awaited<ReturnType<typeof startStuckServers>>;
  let hungUrl: string;
  let failingUrl: string;

  beforeAll(async () => {
    servers = await startStuckServers();
    ({ hungUrl, failingUrl } = servers);
  });

  afterAll(() => servers.close());

  it("a hung gateway times out instead of pinning the caller", async () => {
    const gateway = createGatewayClient({ url: hungUrl, account, domain, timeoutMs: 200 });
    const started = Date.now();
    const error = await gateway.getBlob(hash).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect(error).toMatchObject({ code: "timeout", status: undefined });
    expect((error as HttpRequestError).shortMessage).toMatch(
      /^GET http:.*\/blobs\/[0-9a-f]{64} timed out after 200 ms\.$/,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(gateway.putBlob(new Uint8Array([1]))).rejects.toMatchObject({ code: "timeout" });
    await expect(gateway.readContribution(1n, 2n, hash)).rejects.toThrow(/^POST .*\/sessions timed out/);
  });

  it("the caller's signal aborts every call at once", async () => {
    const shutdown = new AbortController();
    const gateway = createGatewayClient({ url: hungUrl, timeoutMs: 60_000, signal: shutdown.signal });
    const started = Date.now();
    const pending = gateway.getBlob(hash);
    setTimeout(() => shutdown.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("an error status carries the gateway's code and message; a refused connection says unreachable", async () => {
    const error = await createGatewayClient({ url: failingUrl })
      .getBlob(hash)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 500, code: "internal", details: "disk full" });
    await expect(
      createGatewayClient({ url: "http://127.0.0.1:9" }).health({ timeoutMs: 500 }),
    ).rejects.toThrow(/is unreachable/);
  });
});
