import { join } from "node:path";
import type { RunningGateway } from "@payable-ai/gateway";
import { contentHash, signDataAccessRequest, toJson } from "@payable-ai/sdk";
import { createParser } from "eventsource-parser";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayDataSource, type SignedAccessRequest } from "../src/data/dataSource.js";
import { syntheticDatanet } from "../src/data/synthetic.js";
import { buildTrainingManifest } from "../src/output/manifest.js";
import type { JobRecord } from "../src/service/jobs.js";
import { type RunningFactory, startFactory } from "../src/service/server.js";
import { startDatanetGateway, type TableAccessChecker } from "./gatewayFixture.js";
import { tempDir, tinyModelDir } from "./helpers.js";
import { capturedLogger } from "./logs.js";

// biome-ignore lint/suspicious/noExplicitAny: event payloads are checked field by field
type SseEvent = { event: string; data: any };
type ErrorBody = { error: { code: string; message: string } };

/** Reads an SSE stream until `until` says stop (or the stream ends). */
async function readEvents(url: string, until: (e: SseEvent) => boolean): Promise<SseEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let stop = false;
  const parser = createParser({
    onEvent: ({ event, data }) => {
      if (stop) return;
      const parsed = { event: event ?? "message", data: JSON.parse(data) };
      events.push(parsed);
      stop = until(parsed);
    },
  });
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    parser.feed(decoder.decode(value, { stream: true }));
    if (stop) {
      controller.abort();
      return events;
    }
  }
}

const finished = (e: SseEvent) =>
  e.event === "status" && ["completed", "failed", "cancelled"].includes(e.data.status);

describe("job service", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let gateway: RunningGateway;
  let factory: RunningFactory;
  let modelDir: string;
  let chain: TableAccessChecker;
  const developer = privateKeyToAccount(generatePrivateKey());
  const stranger = privateKeyToAccount(generatePrivateKey());
  const contributor = privateKeyToAccount(generatePrivateKey());
  const datanet = syntheticDatanet(24, 9, 1n);
  const datanetId = 1n;
  const captured = capturedLogger();
  const small = {
    rank: 4,
    alpha: 8,
    batchSize: 4,
    maxLength: 96,
    learningRate: 1e-2,
    evalFraction: 0.25,
    evalEvery: 2,
    warmupSteps: 1,
  };

  const sign = async (account = developer): Promise<SignedAccessRequest> => {
    const { chainId, datanetRegistry } = await new GatewayDataSource(gateway.url).domain();
    return signDataAccessRequest(account, { chainId, datanetRegistry, datanetId });
  };
  const post = (path: string, body?: unknown) =>
    fetch(`${factory.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : toJson(body),
    });
  const createJob = async (hyperparameters: object, account = developer) => {
    const response = await post("/jobs", {
      baseModel: "llama-tiny",
      datanets: [{ datanetId, contributionIds: datanet.map((c) => c.contributionId) }],
      access: [await sign(account)],
      hyperparameters,
    });
    expect(response.status).toBe(201);
    return (await response.json()) as JobRecord;
  };
  const startService = () =>
    startFactory({
      dataDir: join(dir.path, "factory"),
      baseModels: { "llama-tiny": modelDir },
      dataSource: new GatewayDataSource(gateway.url),
      logger: captured.logger,
    });

  beforeAll(async () => {
    dir = await tempDir("service");
    modelDir = await tinyModelDir(join(dir.path, "model"));
    ({ gateway, chain } = await startDatanetGateway(dir.path, datanetId, datanet, contributor.address));
    chain.grant(datanetId, developer.address);
    factory = await startService();
  });
  afterAll(async () => {
    await factory?.close();
    await gateway?.close();
    await dir.remove();
  });

  it("trains from gateway data and streams progress until the adapter is ready", async () => {
    const job = await createJob({ ...small, maxSteps: 6 });
    expect(job.status).toBe("queued");
    // No preset named: chosen when the data arrives; until then the standard defaults.
    expect(job.preset).toBeNull();
    expect(job.overrides).toEqual({ ...small, maxSteps: 6 });
    expect(job.hyperparameters.targets).toEqual(["q_proj", "k_proj", "v_proj", "o_proj"]);
    const events = await readEvents(`${factory.url}/jobs/${job.id}/events`, finished);
    const statuses = events.filter((e) => e.event === "status").map((e) => e.data.status);
    expect(statuses.at(-1)).toBe("completed");
    expect(statuses).toContain("training");
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(p).toMatchObject({ totalSteps: 6 });
      expect(p.loss).toBeGreaterThan(0);
      expect(p.tokensPerSecond).toBeGreaterThan(0);
      expect(p.etaSeconds).toBeGreaterThanOrEqual(0);
    }
    expect(progress.some((p) => p.evalLoss !== undefined)).toBe(true);
    expect(events.some((e) => e.event === "eval")).toBe(true);

    const done = (await (await fetch(`${factory.url}/jobs/${job.id}`)).json()) as JobRecord;
    expect(done.output?.evalLossTuned).toBeLessThan(done.output?.evalLossBase as number);
    // The record keeps every step's loss, as streamed, so a reopened job draws its whole curve.
    expect(done.losses.map((l) => l.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(done.losses.at(-1)?.loss).toBe(progress.at(-1)?.loss);
    // Question/answer facts: the memorize preset, under the request's explicit fields.
    expect(done.preset).toBe("memorize");
    expect(done.hyperparameters).toMatchObject({ ...small, maxSteps: 6, epochs: 250 });
    expect(done.hyperparameters.targets).toHaveLength(7);
    const evaluation = done.evaluation;
    expect(evaluation?.trainExamples).toBe(18);
    expect(evaluation?.heldOutExamples).toBe(6);
    for (const scores of [evaluation?.tuned, evaluation?.base, evaluation?.ngram]) {
      expect(scores?.exactMatch).toBeGreaterThanOrEqual(0);
      expect(scores?.heldOutLoss).toBeGreaterThan(0);
    }
    expect(evaluation?.tuned.tokenAccuracy).toBeGreaterThan(evaluation?.base.tokenAccuracy as number);
    const expectedRoot = buildTrainingManifest(
      datanet.map((c) => ({ contributionId: c.contributionId, contentHash: c.contentHash })),
    ).root;
    expect(done.output?.manifestRoot).toBe(expectedRoot);
    const adapter = await fetch(`${factory.url}/jobs/${job.id}/adapter`);
    const bytes = new Uint8Array(await adapter.arrayBuffer());
    expect(contentHash(bytes)).toBe(done.output?.adapterHash);
    // Published on the gateway as a public blob, where inference nodes fetch it by hash.
    expect(done.output?.adapterURI).toBe(`${gateway.url}/blobs/${done.output?.adapterHash.slice(2)}`);
    const published = new Uint8Array(await (await fetch(done.output?.adapterURI as string)).arrayBuffer());
    expect(contentHash(published)).toBe(done.output?.adapterHash);

    const compare = await post(`/jobs/${job.id}/compare`, {
      prompt: "What is the capital of Kalo?",
      maxTokens: 24,
    });
    expect(compare.status).toBe(200);
    const answers = (await compare.json()) as { base: string; tuned: string };
    expect(answers.tuned).not.toBe(answers.base);
    expect((await post(`/jobs/${job.id}/compare`, { maxTokens: 3 })).status).toBe(400);

    const list = (await (await fetch(`${factory.url}/jobs`)).json()) as { jobs: JobRecord[] };
    expect(list.jobs.map((j) => j.id)).toContain(job.id);

    // The job's life in the log: progress at every evaluation (and every 10 s), the outcome last.
    const lines = captured.lines.filter((l) => l.jobId === job.id);
    const messages = [...new Set(lines.map((l) => l.msg))];
    expect(messages).toEqual([
      "job created",
      "job fetching data",
      "job training",
      "training progress",
      "job completed",
    ]);
    expect(lines.find((l) => l.msg === "job training")).toMatchObject({
      examples: 24,
      preset: "memorize",
      rank: 4,
    });
    const logged = lines.filter((l) => l.msg === "training progress");
    expect(logged.length).toBeLessThan(progress.length);
    expect(logged.every((l) => l.totalSteps === 6 && l.loss > 0)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ steps: 6, adapterHash: done.output?.adapterHash });
  });

  it("fails a job whose account has no access, with the gateway's reason", async () => {
    const job = await createJob({ ...small, maxSteps: 2 }, stranger);
    const events = await readEvents(`${factory.url}/jobs/${job.id}/events`, finished);
    const last = events.at(-1)?.data as JobRecord;
    expect(last.status).toBe("failed");
    expect(last.error).toMatch(/no access to datanet 1/);
  });

  it("answers bad requests with 4xx and a message", async () => {
    const noAccess = await post("/jobs", {
      baseModel: "llama-tiny",
      datanets: [{ datanetId: 1, contributionIds: [1] }],
      access: [],
    });
    expect(noAccess.status).toBe(400);
    expect(((await noAccess.json()) as ErrorBody).error.message).toMatch(
      /no signed access request for datanet 1/,
    );
    const badHp = await post("/jobs", {
      baseModel: "llama-tiny",
      datanets: [{ datanetId: 1, contributionIds: [1] }],
      access: [await sign()],
      hyperparameters: { rank: 0, targets: ["nope"] },
    });
    expect(badHp.status).toBe(400);
    const badPreset = await post("/jobs", {
      baseModel: "llama-tiny",
      datanets: [{ datanetId: 1, contributionIds: [1] }],
      access: [await sign()],
      preset: "huge",
    });
    expect(badPreset.status).toBe(400);
    expect(((await badPreset.json()) as ErrorBody).error.message).toMatch(/preset/);
    const unknownModel = await post("/jobs", {
      baseModel: "gpt-9",
      datanets: [{ datanetId: 1, contributionIds: [1] }],
      access: [await sign()],
    });
    expect(unknownModel.status).toBe(400);
    expect(((await unknownModel.json()) as ErrorBody).error.code).toBe("unknown_base_model");
    expect((await post("/jobs", undefined)).status).toBe(400);
    expect((await fetch(`${factory.url}/jobs/nope`)).status).toBe(404);
    expect((await post("/jobs/nope/cancel")).status).toBe(404);
    expect((await post("/jobs/nope/compare", { prompt: "hi" })).status).toBe(404);
    const defaults = await (await fetch(`${factory.url}/hyperparameters/defaults`)).json();
    expect(defaults).toMatchObject({ rank: 8, alpha: 16, quantization: "none" });
    const presets = (await (await fetch(`${factory.url}/hyperparameters/presets`)).json()) as {
      presets: Record<string, { description: string; hyperparameters: { epochs: number } }>;
    };
    expect(Object.keys(presets.presets)).toEqual(["memorize", "quick", "standard"]);
    expect(presets.presets.memorize?.hyperparameters.epochs).toBe(250);
  });

  it("cancels a running job", async () => {
    const job = await createJob({ ...small, maxSteps: 400 });
    await readEvents(`${factory.url}/jobs/${job.id}/events`, (e) => e.event === "progress");
    const cancel = await post(`/jobs/${job.id}/cancel`);
    expect(cancel.status).toBe(200);
    const events = await readEvents(`${factory.url}/jobs/${job.id}/events`, finished);
    expect(events.at(-1)?.data.status).toBe("cancelled");
    expect((await post(`/jobs/${job.id}/cancel`)).status).toBe(409);
  });

  it("resumes an unfinished job from its checkpoint after a restart", async () => {
    const job = await createJob({ ...small, maxSteps: 30, checkpointEvery: 2, evalEvery: 10 });
    await readEvents(
      `${factory.url}/jobs/${job.id}/events`,
      (e) => e.event === "progress" && e.data.step >= 3,
    );
    await factory.close();
    factory = await startService();
    const events = await readEvents(`${factory.url}/jobs/${job.id}/events`, finished);
    const last = events.at(-1)?.data as JobRecord;
    expect(last.status).toBe("completed");
    expect(last.restarts).toBe(1);
    expect(last.resumedFromStep).toBeGreaterThanOrEqual(2);
    expect(last.output?.steps).toBe(30);
    // The steps repeated after the checkpoint replace their first losses: one loss per step.
    expect(last.losses.map((l) => l.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const messages = captured.lines.filter((l) => l.jobId === job.id).map((l) => l.msg);
    expect(messages).toContain("job interrupted: the service is stopping");
    expect(messages.slice(messages.indexOf("job resumed after a restart"))).toEqual(
      expect.arrayContaining(["job training", "job completed"]),
    );
  });
});
