import { startStuckServers } from "@payable-ai/sdk/testing";
import { sha256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InferenceClient } from "../src/services.js";

const hash = sha256(new Uint8Array([1, 2, 3]));

describe("the keeper's inference client: every call is bounded and names its service", () => {
  let servers: Awaited<ReturnType<typeof startStuckServers>>;
  let hungUrl: string;
  let failingUrl: string;

  beforeAll(async () => {
    servers = await startStuckServers();
    ({ hungUrl, failingUrl } = servers);
  });

  afterAll(() => servers.close());

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
    await expect(new InferenceClient(failingUrl).adapterIdFor(1n, hash)).rejects.toThrow(
      /^inference node: \/v1\/models: HTTP 500 internal disk full$/,
    );
    await expect(new InferenceClient(hungUrl).health(100)).rejects.toThrow(
      /^inference node: health timed out/,
    );
  });
});
