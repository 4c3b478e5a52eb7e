import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addAdapterToDir, REGISTRY_FILE } from "../src/adapters/adapterDir.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import { adaptersFixture, capturedLogger, tinyModelDir } from "./helpers.js";

const config = TINY_CONFIG;

describe("registry.json changes take effect without a restart", () => {
  let modelDir: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  let server: StartedServer;
  const { logger, logs } = capturedLogger();
  const registryPath = () => join(fixture.directory, REGISTRY_FILE);

  const complete = async (model: string) => {
    const response = await fetch(`${server.url}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, prompt: "Once upon", temperature: 0, max_tokens: 8 }),
    });
    const body = await response.json();
    return { status: response.status, text: body.choices?.[0]?.text as string | undefined, body };
  };
  const editRegistry = async (change: (adapters: Record<string, { sha256: string }>) => void) => {
    const file = JSON.parse(await readFile(registryPath(), "utf8"));
    change(file.adapters);
    await writeFile(registryPath(), JSON.stringify(file));
  };

  beforeAll(async () => {
    modelDir = await tinyModelDir(config, "inference-node-reload-");
    fixture = await adaptersFixture(config, [
      { id: "alpha", options: { rank: 4, seed: 1 } },
      { id: "beta", options: { rank: 4, seed: 2 } },
    ]);
    server = await startInferenceServer({
      modelDir,
      adaptersDir: fixture.directory,
      registryCheckMs: 0,
      port: 0,
      logger,
    });
  });
  afterAll(async () => {
    await server?.close(1000);
    await fixture?.remove();
    await rm(modelDir, { recursive: true, force: true });
  });

  it("serves an added id, repoints an id to its new blob (never its old weights), and drops a removed one", async () => {
    const alpha = await complete("alpha");
    const beta = await complete("beta");
    expect(alpha.status).toBe(200);
    expect(alpha.text).not.toBe(beta.text);
    expect((await complete("gamma")).status).toBe(404);

    // A new adapter appears in the file (as pack-adapter writes it) and is served at once.
    await addAdapterToDir(
      fixture.directory,
      "gamma",
      syntheticPeftAdapter(config, { rank: 4, seed: 3 }).package,
    );
    const gamma = await complete("gamma");
    expect(gamma.status).toBe(200);
    expect(gamma.text).not.toBe(alpha.text);

    // alpha now names beta's blob: alpha is resident and in a slot, yet serves beta's weights.
    await editRegistry((adapters) => {
      (adapters.alpha as { sha256: string }).sha256 = fixture.hashes.beta as string;
    });
    expect((await complete("alpha")).text).toBe(beta.text);

    await editRegistry((adapters) => {
      delete adapters.alpha;
    });
    const removed = await complete("alpha");
    expect(removed.status).toBe(404);
    expect(removed.body.error.code).toBe("model_not_found");
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models.data.map((m: { id: string }) => m.id).sort()).toEqual(["base", "beta", "gamma"]);
  });

  it("keeps the last good registry when the file is broken, and logs it", async () => {
    await writeFile(registryPath(), "{ not json");
    expect((await complete("beta")).status).toBe(200);
    expect(logs.some((l) => l.msg === "registry file unreadable; keeping the last good one")).toBe(true);
  });
});
