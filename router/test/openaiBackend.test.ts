import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type StartedRouter, startRouter } from "../src/router.js";
import { generateModel, type NodeProcess, startNodeProcess } from "./nodes.js";
import { send, sseData } from "./workload.js";

// An OpenAI-compatible backend names adapters its own way and reports no hashes. The backend here
// is a real inference node started with a registry that names the same adapter files
// `lora-demo-N`; the router is told only the mapping from hash to name, and ignores the sha256
// the node happens to report because an `openai` backend is not trusted to report one.

let model: Awaited<ReturnType<typeof generateModel>>;
let payable: NodeProcess;
let backend: NodeProcess;
let onlyBackend: StartedRouter;
let mixed: StartedRouter;
const hash = (id: string) => model.hashes[id] as string;

beforeAll(async () => {
  model = await generateModel(4);
  const renamed = await model.renamedRegistry((id) => `lora-${id}`);
  [payable, backend] = await Promise.all([
    startNodeProcess(model),
    startNodeProcess(model, ["--registry", renamed]),
  ]);
  const backendConfig = {
    url: backend.url,
    name: "vllm-like",
    kind: "openai" as const,
    adapters: { [`0x${hash("demo-0")}`]: "lora-demo-0", [hash("demo-1")]: "lora-demo-1" },
  };
  const logger = pino({ level: "silent" });
  onlyBackend = await startRouter({ nodes: [backendConfig], pollMs: 200, logger });
  mixed = await startRouter({
    nodes: [{ url: payable.url, name: "payable" }, backendConfig],
    pollMs: 200,
    logger,
  });
});

afterAll(async () => {
  await Promise.all([onlyBackend?.close(), mixed?.close()]);
  await Promise.all([payable?.kill(), backend?.kill()]);
  await model?.remove();
});

const models = async (url: string) =>
  (
    (await (await fetch(`${url}/v1/models`)).json()) as {
      data: { id: string; sha256?: string; resident: boolean }[];
    }
  ).data;

describe("an OpenAI-compatible backend behind a hash → name mapping", () => {
  test("lists exactly the mapped adapters, by hash", async () => {
    const listed = await models(onlyBackend.url);
    expect(listed.map((m) => m.id).sort()).toEqual([hash("demo-0"), hash("demo-1")].sort());
    expect(listed.every((m) => m.sha256 === m.id && m.resident === false)).toBe(true);
  });

  test("a request by hash reaches the backend under its own name and comes back under the hash", async () => {
    const direct = await send(backend.url, {
      id: "direct",
      model: "lora-demo-0",
      stream: false,
      chat: false,
      maxTokens: 6,
    });
    const routed = await send(onlyBackend.url, {
      id: "direct",
      model: hash("demo-0"),
      stream: false,
      chat: false,
      maxTokens: 6,
    });
    expect(routed).toMatchObject({ status: 200, node: "vllm-like", text: direct.text });
    const response = await fetch(`${onlyBackend.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: hash("demo-1"),
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 3,
        stream: true,
      }),
    });
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
    for (const data of events.slice(0, -1))
      expect((JSON.parse(data) as { model: string }).model).toBe(hash("demo-1"));
    // The backend loaded the adapters under its names; the router now lists them resident.
    await onlyBackend.router.refresh();
    expect((await models(onlyBackend.url)).every((m) => m.resident)).toBe(true);
    const own = await models(backend.url);
    expect(
      own
        .filter((m) => m.resident && m.id !== "base")
        .map((m) => m.id)
        .sort(),
    ).toEqual(["lora-demo-0", "lora-demo-1"]);
  });

  test("what the mapping leaves out is not served: unmapped hashes and the backend's own names", async () => {
    for (const name of [hash("demo-2"), "lora-demo-2", "lora-demo-0"]) {
      const outcome = await send(onlyBackend.url, {
        id: "x",
        model: name,
        stream: false,
        chat: false,
        maxTokens: 2,
      });
      expect(outcome.status).toBe(404);
      expect(outcome.error?.code).toBe("model_not_found");
    }
  });

  test("next to a payable node: one entry per adapter, and failover across the two namings", async () => {
    const listed = await models(mixed.url);
    expect(listed.map((m) => m.id)).toEqual(["base", "demo-0", "demo-1", "demo-2", "demo-3"]);
    expect(listed.find((m) => m.id === "demo-0")?.sha256).toBe(hash("demo-0"));
    const before = await send(mixed.url, {
      id: "m1",
      model: "demo-0",
      stream: false,
      chat: true,
      maxTokens: 4,
    });
    expect(before.status).toBe(200);
    await payable.kill();
    // demo-0 moves to the backend (as lora-demo-0); demo-2 only the payable node served.
    const after = await send(mixed.url, {
      id: "m2",
      model: "demo-0",
      stream: false,
      chat: true,
      maxTokens: 4,
    });
    expect(after).toMatchObject({ status: 200, node: "vllm-like", text: before.text });
    const gone = await send(mixed.url, {
      id: "m3",
      model: "demo-2",
      stream: false,
      chat: false,
      maxTokens: 2,
    });
    expect(gone.status).toBe(503);
    expect(gone.error?.code).toBe("no_node_available");
  });
});
