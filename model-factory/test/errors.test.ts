import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { RunningGateway } from "@payable-ai/gateway";
import { signDataAccessRequest, toJson } from "@payable-ai/sdk";
import { freePort } from "@payable-ai/sdk/testing";
import { createParser } from "eventsource-parser";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayDataSource } from "../src/data/dataSource.js";
import { syntheticDatanet } from "../src/data/synthetic.js";
import type { JobRecord } from "../src/service/jobs.js";
import { type RunningFactory, startFactory } from "../src/service/server.js";
import { startDatanetGateway, type TableAccessChecker } from "./gatewayFixture.js";
import { tempDir } from "./helpers.js";
import { capturedLogger } from "./logs.js";

type ErrorBody = { error: { code: string; message: string } };

/**
 * An OpenAI-style chat endpoint for the playground route: model `broken` streams a chunk that is
 * not JSON, any other model is unknown (404 in the OpenAI error shape).
 */
async function startUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", () => {
      const { model } = JSON.parse(body) as { model: string };
      if (model === "broken") {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.end('data: {"choices":[{"delta":{"content":"Ka"}}]}\n\ndata: {cut off\n\n');
      } else {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: `model ${model} not found`, code: "not_found" } }));
      }
    });
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("errors and logs of the job service", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let gateway: RunningGateway;
  let chain: TableAccessChecker;
  let factory: RunningFactory;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const captured = capturedLogger();
  const developer = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  const datanetId = 1n;
  const datanet = syntheticDatanet(4, 9, datanetId);

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${factory.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : toJson(body),
    });
  const jobBody = async (account = developer, baseModel = "llama-tiny") => {
    const { chainId, datanetRegistry } = await new GatewayDataSource(gateway.url).domain();
    return {
      baseModel,
      datanets: [{ datanetId, contributionIds: datanet.map((c) => c.contributionId) }],
      access: [await signDataAccessRequest(account, { chainId, datanetRegistry, datanetId })],
      hyperparameters: { maxSteps: 2 },
    };
  };
  const settled = async (id: string): Promise<JobRecord> => {
    for (;;) {
      const job = (await (await send("GET", `/jobs/${id}`)).json()) as JobRecord;
      if (["completed", "failed", "cancelled"].includes(job.status)) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  let strangersJob: Promise<JobRecord> | undefined;
  /** A job refused by the gateway (the account has no access): failed, with the gateway's reason. */
  const failedJob = () => {
    strangersJob ??= (async () => {
      const created = await send("POST", "/jobs", await jobBody(stranger), { "x-request-id": "create-1" });
      expect(created.status).toBe(201);
      return settled(((await created.json()) as JobRecord).id);
    })();
    return strangersJob;
  };

  let developersJob: Promise<JobRecord> | undefined;
  /** A job whose data arrived but whose base model directory does not exist: an internal failure. */
  const internalJob = () => {
    developersJob ??= (async () => {
      const created = await send("POST", "/jobs", await jobBody());
      expect(created.status).toBe(201);
      return settled(((await created.json()) as JobRecord).id);
    })();
    return developersJob;
  };

  beforeAll(async () => {
    dir = await tempDir("errors");
    ({ gateway, chain } = await startDatanetGateway(dir.path, datanetId, datanet, developer.address));
    chain.grant(datanetId, developer.address);
    upstream = await startUpstream();
    factory = await startFactory({
      inferenceUrl: upstream.url,
      dataDir: join(dir.path, "factory"),
      // Never loaded by these tests but one: a directory that does not exist.
      baseModels: { "llama-tiny": join(dir.path, "no-model-here") },
      dataSource: new GatewayDataSource(gateway.url),
      logger: captured.logger,
    });
  });
  afterAll(async () => {
    await factory?.close();
    await gateway?.close();
    await new Promise((closed) => upstream?.server.close(closed));
    await dir?.remove();
  });

  it("echoes a client's x-request-id and logs the request under it; an unusable one is replaced", async () => {
    const health = await send("GET", "/health", undefined, { "x-request-id": "trace-7.a:b" });
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toBe("trace-7.a:b");
    const line = captured.lines.find((l) => l.requestId === "trace-7.a:b");
    expect(line).toMatchObject({ level: 30, msg: "request", method: "GET", path: "/health", status: 200 });
    expect(line?.ms).toBeGreaterThanOrEqual(0);

    for (const unusable of ["has spaces", "x".repeat(129), "semi;colon"]) {
      const answer = await send("GET", "/jobs", undefined, { "x-request-id": unusable });
      const id = answer.headers.get("x-request-id");
      expect(id).toMatch(UUID);
      expect(captured.lines.some((l) => l.requestId === id && l.path === "/jobs")).toBe(true);
    }
    const generated = await send("GET", "/nowhere");
    expect(generated.status).toBe(404);
    expect(generated.headers.get("x-request-id")).toMatch(UUID);
  });

  it("answers an internal failure with 500 and the request id; the raw message goes to the log only", async () => {
    const jobsDir = join(dir.path, "factory", "jobs");
    const before = ((await (await send("GET", "/jobs")).json()) as { jobs: JobRecord[] }).jobs.length;
    // The jobs directory turned into a file: every new job's write fails inside the service.
    await rm(jobsDir, { recursive: true, force: true });
    await writeFile(jobsDir, "not a directory");
    try {
      const answer = await send("POST", "/jobs", await jobBody(), { "x-request-id": "disk-fault-1" });
      expect(answer.status).toBe(500);
      expect(answer.headers.get("x-request-id")).toBe("disk-fault-1");
      const text = await answer.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: "internal", message: "internal error (request disk-fault-1)" },
      });
      expect(text).not.toMatch(/ENOTDIR|EEXIST|mkdir/);
      expect(text).not.toContain(dir.path);

      const failure = captured.lines.find((l) => l.requestId === "disk-fault-1" && l.level === 50);
      expect(failure).toMatchObject({ msg: "request failed", code: "internal", status: 500, path: "/jobs" });
      expect(failure?.err.message).toMatch(/ENOTDIR|EEXIST/);
      expect(failure?.err.message).toContain(jobsDir);
      expect(failure?.err.stack).toMatch(/\n\s+at /);
    } finally {
      await rm(jobsDir, { force: true });
      await mkdir(jobsDir);
    }
    // Nothing half-made: the refused job is neither listed nor queued.
    const after = ((await (await send("GET", "/jobs")).json()) as { jobs: JobRecord[] }).jobs.length;
    expect(after).toBe(before);
  });

  it("logs a job's life, from the request that created it to the reason it failed", async () => {
    const job = await failedJob();
    expect(job.status).toBe("failed");
    expect(job.error).toMatch(/no access to datanet 1/);
    const lines = captured.lines.filter((l) => l.jobId === job.id);
    expect(lines.map((l) => l.msg)).toEqual(["job created", "job fetching data", "job failed"]);
    expect(lines[0]).toMatchObject({ requestId: "create-1", baseModel: "llama-tiny", contributions: 4 });
    expect(lines[0]?.datanets).toEqual(["1"]);
    expect(lines[2]).toMatchObject({ level: 40, reason: job.error });
    expect(lines[2]?.code).toEqual(expect.any(String));
  });

  it("fails a job that breaks inside the service with an internal reason; the log has the cause", async () => {
    const job = await internalJob();
    expect(job.status).toBe("failed");
    expect(job.error).toBe(`internal error (job ${job.id})`);
    const failure = captured.lines.find((l) => l.jobId === job.id && l.msg === "job failed");
    expect(failure).toMatchObject({ level: 50, code: "internal" });
    expect(failure?.err.message).toContain("no-model-here");
    expect(failure?.err.stack).toMatch(/\n\s+at /);
  });

  it("answers every route's bad input with 4xx and { error: { code, message } }", async () => {
    const failed = (await failedJob()).id;
    const valid = await jobBody();
    const cases: [method: string, path: string, body: unknown, status: number, code: string][] = [
      ["POST", "/jobs", "{not json", 400, "invalid_json"],
      ["POST", "/jobs", [], 400, "invalid_request"],
      ["POST", "/jobs", { ...valid, surprise: 1 }, 400, "invalid_request"],
      ["POST", "/jobs", { ...valid, datanets: [] }, 400, "invalid_request"],
      ["POST", "/jobs", { ...valid, access: [] }, 400, "invalid_request"],
      [
        "POST",
        "/jobs",
        {
          ...valid,
          access: [{ ...valid.access[0], request: { ...valid.access[0]?.request, account: "0x12" } }],
        },
        400,
        "invalid_request",
      ],
      ["POST", "/jobs", { ...valid, hyperparameters: { rank: 0 } }, 400, "invalid_request"],
      ["POST", "/jobs", { ...valid, preset: "huge" }, 400, "invalid_request"],
      ["POST", "/jobs", { ...valid, baseModel: "gpt-9" }, 400, "unknown_base_model"],
      ["GET", "/jobs/nope", undefined, 404, "job_not_found"],
      ["GET", "/jobs/nope/events", undefined, 404, "job_not_found"],
      ["GET", "/jobs/nope/adapter", undefined, 404, "job_not_found"],
      ["GET", `/jobs/${failed}/adapter`, undefined, 409, "job_not_completed"],
      ["POST", "/jobs/nope/cancel", undefined, 404, "job_not_found"],
      ["POST", `/jobs/${failed}/cancel`, undefined, 409, "job_finished"],
      ["POST", "/jobs/nope/compare", { prompt: "hi" }, 404, "job_not_found"],
      ["POST", `/jobs/${failed}/compare`, "prompt=hi", 400, "invalid_json"],
      ["POST", `/jobs/${failed}/compare`, { prompt: "" }, 400, "invalid_request"],
      ["POST", `/jobs/${failed}/compare`, { prompt: "hi", maxTokens: 10_000 }, 400, "invalid_request"],
      ["POST", `/jobs/${failed}/compare`, { prompt: "hi" }, 409, "job_not_completed"],
      ["POST", "/jobs/nope/chat", "{", 400, "invalid_json"],
      ["POST", "/jobs/nope/chat", { question: "hi" }, 400, "invalid_request"],
      ["POST", "/jobs/nope/chat", { model: "1", question: "hi", k: 99 }, 400, "invalid_request"],
      ["POST", "/jobs/nope/chat", { model: "1", question: "hi" }, 404, "job_not_found"],
      ["POST", `/jobs/${failed}/chat`, { model: "1", question: "hi" }, 409, "no_data"],
      ["GET", "/chain", undefined, 404, "no_chain"],
      ["GET", "/nowhere", undefined, 404, "not_found"],
      ["DELETE", "/jobs", undefined, 404, "not_found"],
    ];
    for (const [method, path, body, status, code] of cases) {
      const answer = await send(method, path, body, { "x-request-id": `bad-${method}-${cases.length}` });
      const label = `${method} ${path} ${toJson(body ?? null).slice(0, 60)}`;
      expect(answer.status, label).toBe(status);
      expect(answer.headers.get("content-type"), label).toContain("application/json");
      const { error } = (await answer.json()) as ErrorBody;
      expect(error.code, label).toBe(code);
      expect(error.message, label).toEqual(expect.any(String));
      expect(error.message.length, label).toBeGreaterThan(0);
    }
    // Too large a body, with a length or chunked, is refused before it is parsed.
    const tooLarge = toJson({ ...valid, name: "x".repeat(4 * 1024 * 1024) });
    const sized = await send("POST", "/jobs", tooLarge);
    expect(sized.status).toBe(413);
    expect(((await sized.json()) as ErrorBody).error.code).toBe("payload_too_large");
    const chunked = await fetch(`${factory.url}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([tooLarge]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as ErrorBody).error.code).toBe("payload_too_large");

    // A refusal is logged as a warning with its code, not as a failure with a stack.
    const refused = captured.lines.find(
      (l) => l.msg === "request refused" && l.code === "unknown_base_model",
    );
    expect(refused).toMatchObject({ level: 40, status: 400 });
    expect(refused?.err).toBeUndefined();
  });

  it("ends a chat stream that fails midway with an error event; the cause goes to the log", async () => {
    const job = await internalJob();
    const missing = await send("POST", `/jobs/${job.id}/chat`, { model: "missing", question: "hi" });
    expect(missing.status).toBe(404);
    const refused = ((await missing.json()) as ErrorBody).error;
    expect(refused).toEqual({ code: "inference_failed", message: "inference node: model missing not found" });

    const answer = await send(
      "POST",
      `/jobs/${job.id}/chat`,
      { model: "broken", question: "hi" },
      {
        "x-request-id": "chat-1",
      },
    );
    expect(answer.status).toBe(200);
    const events: { event?: string; data: string }[] = [];
    const parser = createParser({ onEvent: (e) => void events.push(e) });
    parser.feed(await answer.text());
    // The stream ends with one error event in the usual shape; nothing of the raw message.
    expect(events[0]?.event).toBe("sources");
    expect(events.filter((e) => e.event === "error")).toHaveLength(1);
    expect(events.map((e) => e.data).join("\n")).not.toMatch(/JSON|cut off/);
    expect(JSON.parse(events.at(-1)?.data as string)).toEqual({
      error: { code: "internal", message: "internal error (request chat-1)" },
    });
    const failure = captured.lines.find((l) => l.requestId === "chat-1" && l.msg === "stream failed");
    expect(failure).toMatchObject({ level: 50, path: `/jobs/${job.id}/chat` });
    expect(failure?.err.message).toMatch(/JSON/);
    expect(failure?.err.stack).toMatch(/\n\s+at /);
  });

  it("answers the gateway and chat routes of a service without them with 404/502", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const other = await startFactory({
      dataDir: join(dir.path, "other"),
      baseModels: { "llama-tiny": join(dir.path, "no-model-here") },
      dataSource: new GatewayDataSource(closed),
      logger: captured.logger,
    });
    try {
      const ask = (path: string, body?: unknown) =>
        fetch(`${other.url}${path}`, {
          method: body === undefined ? "GET" : "POST",
          headers: { "content-type": "application/json" },
          body: body === undefined ? undefined : typeof body === "string" ? body : toJson(body),
        });
      const cases: [path: string, body: unknown, status: number, code: string][] = [
        ["/gateway/domain", undefined, 502, "data_gateway"],
        ["/jobs/nope/chat", { model: "1", question: "hi" }, 404, "no_inference_node"],
      ];
      for (const [path, body, status, code] of cases) {
        const answer = await ask(path, body);
        expect(answer.status, `${path} ${toJson(body ?? null)}`).toBe(status);
        const { error } = (await answer.json()) as ErrorBody;
        expect(error.code).toBe(code);
        expect(error.message.length).toBeGreaterThan(0);
      }
      const domain = (await (await ask("/gateway/domain")).json()) as ErrorBody;
      expect(domain.error.message).toMatch(/unreachable/);
    } finally {
      await other.close();
    }
  });
});
