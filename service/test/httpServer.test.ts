import { Agent, request } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { type HttpService, serveHttp } from "../src/index.js";

const open: HttpService[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close({ graceMs: 0 })));
});

async function start(fetch: (request: Request) => Response | Promise<Response>, port = 0) {
  const service = await serveHttp({ fetch, port });
  open.push(service);
  return service;
}

/** A GET over a keep-alive agent; resolves with the status and body, or rejects on a cut socket. */
function get(url: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("serveHttp", () => {
  test("serves on a free port and names its URL", async () => {
    const service = await start(() => new Response("hello"));
    expect(service.url).toBe(`http://127.0.0.1:${service.port}`);
    expect(await get(`${service.url}/`)).toEqual({ status: 200, body: "hello" });
  });

  test("rejects when the port is taken", async () => {
    const first = await start(() => new Response("a"));
    await expect(serveHttp({ fetch: () => new Response("b"), port: first.port })).rejects.toThrow(
      /EADDRINUSE/,
    );
  });

  test("close returns at once over an idle keep-alive connection", async () => {
    const service = await start(() => new Response("x"));
    const agent = new Agent({ keepAlive: true });
    await get(`${service.url}/`, agent);
    const started = performance.now();
    expect(await service.close({ graceMs: 10_000 })).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
    agent.destroy();
  });

  test("a response under way is delivered whole within the grace, and new connections are refused", async () => {
    const service = await start(async () => {
      await sleep(300);
      return new Response("slow but complete");
    });
    const pending = get(`${service.url}/`);
    await sleep(50);
    expect(service.inFlight).toBe(1);
    const closing = service.close({ graceMs: 5000 });
    await sleep(20);
    await expect(get(`${service.url}/`)).rejects.toThrow(/ECONNREFUSED/);
    expect(await pending).toEqual({ status: 200, body: "slow but complete" });
    expect(await closing).toBe(true);
    expect(service.inFlight).toBe(0);
  });

  test("a response that outlives the grace is cut, and close says so", async () => {
    const service = await start(() => new Promise<Response>(() => {}));
    const pending = get(`${service.url}/`);
    await sleep(50);
    const started = performance.now();
    expect(await service.close({ graceMs: 200 })).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    await expect(pending).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  test("whenIdle waits for the responses under way, or times out", async () => {
    let release: (() => void) | undefined;
    const service = await start(
      () => new Promise<Response>((resolve) => (release = () => resolve(new Response("done")))),
    );
    expect(await service.whenIdle(10)).toBe(true);
    const pending = get(`${service.url}/`);
    await sleep(50);
    expect(await service.whenIdle(50)).toBe(false);
    const idle = service.whenIdle(5000);
    release?.();
    expect(await idle).toBe(true);
    await pending;
  });

  test("close twice returns the same promise", async () => {
    const service = await start(() => new Response("x"));
    const a = service.close();
    expect(service.close()).toBe(a);
    expect(await a).toBe(true);
  });
});
