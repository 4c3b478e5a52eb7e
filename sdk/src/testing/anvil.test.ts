import { createPublicClient, http } from "viem";
import { describe, expect, test } from "vitest";
import { AnvilStartError, isPortTaken, startAnvil } from "./anvil.js";

describe("startAnvil", () => {
  test("starts on a free port, answers JSON-RPC and stops", async () => {
    const anvil = await startAnvil({ chainId: 913_001 });
    try {
      const client = createPublicClient({ transport: http(anvil.rpcUrl) });
      expect(await client.getChainId()).toBe(913_001);
      expect(await isPortTaken(anvil.port)).toBe(true);
    } finally {
      await anvil.stop();
    }
    expect(anvil.process.exitCode !== null || anvil.process.signalCode !== null).toBe(true);
    expect(await isPortTaken(anvil.port)).toBe(false);
  });

  test("names the port when it is taken", async () => {
    const first = await startAnvil();
    try {
      await expect(startAnvil({ port: first.port })).rejects.toThrow(AnvilStartError);
      await expect(startAnvil({ port: first.port })).rejects.toThrow(`Port ${first.port} is already in use`);
    } finally {
      await first.stop();
    }
  });
});
