import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort } from "@payable-ai/sdk/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { nodeConfigSchema } from "../src/config.js";
import { NodeState } from "../src/nodes.js";

// A real HTTP server whose /health answers after `delayMs`: a node busy enough to be slow.
let server: Server;
let delayMs = 0;
let url: string;
const logger = pino({ level: "silent" });

beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = () => {
      res.setHeader("content-type", "application/json");
      res.end(req.url === "/v1/models" ? JSON.stringify({ object: "list", data: [] }) : "{}");
    };
    if (req.url === "/health" && delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("NodeState.check", () => {
  test("a slow node stays up until three checks in a row time out, and comes back at once", async () => {
    const node = new NodeState(nodeConfigSchema.parse({ url }));
    await node.check(1000, logger);
    expect(node.status).toBe("up");
    delayMs = 300;
    for (const expected of ["up", "up", "down", "down"]) {
      await node.check(50, logger);
      expect(node.status).toBe(expected);
    }
    expect(node.lastError).toMatch(/timeout|aborted/i);
    delayMs = 0;
    await node.check(1000, logger);
    expect(node.status).toBe("up");
  });

  test("a refused connection is down at the first check", async () => {
    const node = new NodeState(nodeConfigSchema.parse({ url: `http://127.0.0.1:${await freePort()}` }));
    node.status = "up";
    await node.check(1000, logger);
    expect(node.status).toBe("down");
  });
});
