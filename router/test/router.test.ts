import { until } from "@payable-ai/sdk/testing";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { rendezvousOrder } from "../src/placement.js";
import { type StartedRouter, startRouter } from "../src/router.js";
import { generateModel, type NodeProcess, sample, startNodeProcess } from "./nodes.js";
import { mixedRequests, runWorkload, send, sseData } from "./workload.js";

// Three real inference node processes (a generated one-layer Llama, 100 PEFT adapters) behind a
// real router on loopback. The router learns what each node holds from its /v1/models.

const ADAPTERS = 100;
let model: Awaited<ReturnType<typeof generateModel>>;
let nodes: NodeProcess[];
let server: StartedRouter;
const adapterIds = Array.from({ length: ADAPTERS }, (_, i) => `demo-${i}`);

beforeAll(async () => {
  model = await generateModel(ADAPTERS);
  nodes = await Promise.all([0, 1, 2].map(() => startNodeProcess(model)));
  server = await startRouter({
    nodes: nodes.map((n, i) => ({ url: n.url, name: `node-${i}` })),
    pollMs: 200,
    logger: pino({ level: "silent" }),
  });
});

afterAll(async () => {
  await server?.close();
  await Promise.all((nodes ?? []).map((n) => n.kill()));
  await model?.remove();
});

const nodeNames = () => server.router.nodes.map((n) => n.name);
const nodeByName = (name: string) => nodes[nodeNames().indexOf(name)] as NodeProcess;
const metricsOf = async (url: string) => (await fetch(`${url}/metrics`)).text();
const servedBy = async (url: string) => {
  const text = await metricsOf(url);
  return (
    sample(text, "inference_http_requests_total", { route: "/v1/completions", status: "200" }) +
    sample(text, "inference_http_requests_total", { route: "/v1/chat/completions", status: "200" })
  );
};
const residentOn = async (url: string) => {
  const { data } = (await (await fetch(`${url}/v1/models`)).json()) as {
    data: { id: string; resident: boolean }[];
  };
  return data.filter((m) => m.id !== "base" && m.resident).map((m) => m.id);
};
const decisions = async (reason: string) =>
  sample(await metricsOf(server.url), "router_route_decisions_total", { reason });

describe("the same API as a node", () => {
  test("/v1/models merges the nodes' lists: same entries and fields, residency from any node", async () => {
    const direct = (await (await fetch(`${nodes[0]?.url}/v1/models`)).json()) as {
      data: Record<string, unknown>[];
    };
    const routed = (await (await fetch(`${server.url}/v1/models`)).json()) as {
      object: string;
      data: Record<string, unknown>[];
    };
    expect(routed.object).toBe("list");
    expect(routed.data.map((m) => m.id)).toEqual(direct.data.map((m) => m.id));
    for (const [i, entry] of routed.data.entries()) {
      expect(Object.keys(entry).sort()).toEqual(Object.keys(direct.data[i] as object).sort());
      expect(entry.sha256).toBe(direct.data[i]?.sha256);
    }
    // Load demo-7 on one node: after the next check the router lists it resident.
    const served = await send(server.url, {
      id: "warm-7",
      model: "demo-7",
      stream: false,
      chat: false,
      maxTokens: 2,
    });
    expect(served.status).toBe(200);
    await server.router.refresh();
    const after = (await (await fetch(`${server.url}/v1/models`)).json()) as {
      data: { id: string; resident: boolean }[];
    };
    expect(after.data.find((m) => m.id === "demo-7")?.resident).toBe(true);
    expect(after.data.find((m) => m.id === "demo-8")?.resident).toBe(false);
    expect(await residentOn(nodeByName(served.node as string).url)).toContain("demo-7");
  });

  test("answers and streams exactly what the node does, passing the request id through", async () => {
    const body = { model: "demo-3", prompt: "Once upon", max_tokens: 6, temperature: 0 };
    // Asked directly on the node the router places demo-3 on, so placement stays the router's.
    const home = rendezvousOrder(model.hashes["demo-3"] as string, nodeNames())[0] as string;
    const direct = (await (
      await fetch(`${nodeByName(home).url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      })
    ).json()) as { choices: { text: string }[] };
    const streamed = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "stream-1" },
      body: JSON.stringify({ ...body, stream: true }),
    });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(streamed.headers.get("x-request-id")).toBe("stream-1");
    const events = sseData(await streamed.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(chunks.every((c) => c.id === "cmpl-stream-1" && c.model === "demo-3")).toBe(true);
    const text = chunks.map((c) => (c.choices as { text: string }[])[0]?.text).join("");
    expect(text).toBe(direct.choices[0]?.text);
    expect((chunks.at(-1) as { usage: { completion_tokens: number } }).usage.completion_tokens).toBe(6);
  });

  test("a merge of adapters goes to a node that lists every part", async () => {
    const response = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "merged",
        prompt: "hi",
        max_tokens: 3,
        merged_adapters: { ids: ["demo-0", "demo-4"], weights: [0.5, 0.5], merge_strategy: "linear" },
      }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { model: string }).model).toBe("merged");
    expect(await decisions("merge")).toBe(1);
    const unknownPart = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "m",
        prompt: "hi",
        merged_adapters: { ids: ["demo-0", "nope"], weights: [1, 1] },
      }),
    });
    expect(unknownPart.status).toBe(404);
    expect(((await unknownPart.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
  });

  test("bad requests get the node's error bodies", async () => {
    const post = (body: string) =>
      fetch(`${server.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    const unknown = await post(JSON.stringify({ model: "no-such-adapter", prompt: "x" }));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
    const notJson = await post("{");
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({
      error: {
        message: "the request body is not valid JSON",
        type: "invalid_request_error",
        code: "invalid_request",
        param: null,
      },
    });
    const noModel = await post(JSON.stringify({ prompt: "x" }));
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { param: string } }).error.param).toBe("model");
    // Validation beyond the routed fields is the node's: its message comes back unchanged.
    const badTokens = await post(JSON.stringify({ model: "demo-1", prompt: "x", max_tokens: 0 }));
    expect(badTokens.status).toBe(400);
    expect(((await badTokens.json()) as { error: { param: string } }).error.param).toBe("max_tokens");
    const huge = await post(JSON.stringify({ model: "demo-1", prompt: "x".repeat(2 << 20) }));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
    const route = await fetch(`${server.url}/v1/embeddings`, { method: "POST" });
    expect(route.status).toBe(404);
    expect(((await route.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  test("/health lists every node; /metrics counts decisions and upstream outcomes", async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      status: string;
      nodes: { name: string; status: string }[];
    };
    expect(health.status).toBe("ok");
    expect(health.nodes.map((n) => [n.name, n.status])).toEqual([
      ["node-0", "up"],
      ["node-1", "up"],
      ["node-2", "up"],
    ]);
    const text = await metricsOf(server.url);
    expect(sample(text, "router_node_up")).toBe(3);
    expect(sample(text, "router_upstream_requests_total", { outcome: "ok" })).toBeGreaterThan(0);
  });
});

describe("a mixed workload over 100 adapters", () => {
  test("each request is served once, and each node loads only the adapters placed on it", async () => {
    const before = await Promise.all(nodes.map((n) => servedBy(n.url)));
    // Spills (a node over the load bound) and failovers (a node that missed a health check on a
    // loaded machine) are the only ways an adapter lands away from its first rendezvous node.
    const spillsBefore = (await decisions("spill")) + (await decisions("failover"));
    // Adapters loaded by the tests above (a merge loads its parts where the merge goes) are left out.
    const residentBefore = await Promise.all(nodes.map((n) => residentOn(n.url)));
    const requests = mixedRequests("mix", 300, adapterIds);
    const outcomes = await runWorkload(requests, 12, (r) => send(server.url, r));

    expect(outcomes.filter((o) => o.status !== 200 || o.error)).toEqual([]);
    expect(new Set(outcomes.map((o) => o.id)).size).toBe(requests.length);
    // Served once: what each node counted as served equals what the router says it sent there.
    const after = await Promise.all(nodes.map((n) => servedBy(n.url)));
    for (const [i, name] of nodeNames().entries())
      expect((after[i] as number) - (before[i] as number)).toBe(
        outcomes.filter((o) => o.node === name).length,
      );

    // Placement: an adapter resident on a node that is not its first rendezvous choice got there
    // only through a counted spill (that node was over the load bound).
    const spills = (await decisions("spill")) + (await decisions("failover")) - spillsBefore;
    const resident = await Promise.all(nodes.map((n) => residentOn(n.url)));
    const loaded = resident.map((ids, i) => ids.filter((id) => !residentBefore[i]?.includes(id)));
    const misplaced = loaded.flatMap((ids, i) =>
      ids.filter((id) => rendezvousOrder(model.hashes[id] as string, nodeNames())[0] !== nodeNames()[i]),
    );
    expect(misplaced.length).toBeLessThanOrEqual(spills);
    const loads = loaded.reduce((sum, ids) => sum + ids.length, 0);
    expect(loads).toBeLessThanOrEqual(ADAPTERS + spills);
    expect(new Set(resident.flat()).size).toBe(ADAPTERS);
    // Rendezvous placement spreads 100 adapters over 3 nodes: none holds more than half.
    for (const ids of resident) expect(ids.length).toBeLessThan(ADAPTERS / 2 + spills);
  });

  test("a node killed mid-run loses only the requests that were in flight on it", async () => {
    const victim = server.router.nodes[1];
    if (!victim) throw new Error("no node 1");
    const survivors = [0, 2].map((i) => nodes[i] as NodeProcess);
    const before = await Promise.all(survivors.map((n) => servedBy(n.url)));
    const inFlightAtDeath = new Set<string>();
    // Every request the router sends to the node until it is gone, and those in flight at its death.
    const sentBeforeDeath = new Set<string>();
    let dying = false;
    const set = victim.inFlight.set.bind(victim.inFlight);
    victim.inFlight.set = (attempt: number, id: string) => {
      sentBeforeDeath.add(id);
      if (dying) inFlightAtDeath.add(id);
      return set(attempt, id);
    };
    const requests = mixedRequests("kill", 240, adapterIds);
    const outcomes = await runWorkload(
      requests,
      12,
      (r) => send(server.url, r),
      async (_outcome, finished) => {
        if (finished !== 60) return;
        // Everything that is or becomes in flight on the node until it is gone may be lost.
        for (const id of victim.inFlight.values()) inFlightAtDeath.add(id);
        dying = true;
        await nodeByName(victim.name).kill();
        victim.inFlight.set = set;
      },
    );
    const failed = outcomes.filter((o) => o.status !== 200 || o.error);
    for (const outcome of failed) {
      expect(inFlightAtDeath.has(outcome.id)).toBe(true);
      expect(outcome.error?.code).toBe("upstream_failed");
    }
    expect(outcomes.length).toBe(requests.length);
    expect(failed.length).toBeLessThanOrEqual(inFlightAtDeath.size);
    // What the dead node answered was sent to it before it died; after that it got nothing.
    for (const outcome of outcomes.filter((o) => o.node === victim.name))
      expect(sentBeforeDeath.has(outcome.id)).toBe(true);
    expect(victim.inFlight.size).toBe(0);
    // The survivors served each of their requests once.
    const after = await Promise.all(survivors.map((n) => servedBy(n.url)));
    for (const [i, n] of survivors.entries()) {
      const name = nodeNames()[nodes.indexOf(n)];
      const ok = outcomes.filter((o) => o.node === name && o.status === 200 && !o.error).length;
      expect((after[i] as number) - (before[i] as number)).toBe(ok);
    }
    expect(victim.status).toBe("down");
    const health = (await (await fetch(`${server.url}/health`)).json()) as { nodes_up: number };
    expect(health.nodes_up).toBe(2);
  });

  test("a draining node's refusals go to another node, and nothing is lost", async () => {
    const draining = nodes[0] as NodeProcess;
    const state = server.router.nodes[0];
    if (!state) throw new Error("no node 0");
    // Long generations keep the node in its drain (it refuses new work while they finish).
    const long = Array.from({ length: 4 }, (_, i) =>
      send(draining.url, { id: `long-${i}`, model: "base", stream: false, chat: false, maxTokens: 400 }),
    );
    await new Promise((r) => setTimeout(r, 50));
    const retriesBefore = sample(await metricsOf(server.url), "router_retries_total", {
      reason: "unavailable",
    });
    // The checks are paused so the requests, not a check, find the node draining.
    await server.router.stop();
    draining.process.kill("SIGTERM");
    await until(
      "the node draining",
      async () => (await fetch(`${draining.url}/health`)).status === 503,
      5000,
      10,
    );
    const placedThere = adapterIds.filter(
      (id) => rendezvousOrder(model.hashes[id] as string, nodeNames())[0] === "node-0",
    );
    const outcomes = await Promise.all(
      placedThere
        .slice(0, 8)
        .map((id, i) =>
          send(server.url, { id: `drain-${i}`, model: id, stream: false, chat: false, maxTokens: 3 }),
        ),
    );
    expect(outcomes.map((o) => [o.status, o.node])).toEqual(outcomes.map(() => [200, "node-2"]));
    const retries = sample(await metricsOf(server.url), "router_retries_total", { reason: "unavailable" });
    expect(retries - retriesBefore).toBeGreaterThan(0);
    expect(state.status).toBe("draining");
    await Promise.all(long);
  });
});
