import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../src/adapters/adapterLoader.js";
import { PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE, readAdapterPath } from "../src/adapters/adminAdapters.js";
import { syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { TINY_CONFIG } from "../src/model/config.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import { adaptersFixture, capturedLogger, tinyModelDir } from "./helpers.js";

const config = TINY_CONFIG;
const TOKEN = "admin-token-for-tests-0123456789";

describe("POST /v1/load_lora_adapter and /v1/unload_lora_adapter", () => {
  let root: string;
  let modelDir: string;
  let fixture: Awaited<ReturnType<typeof adaptersFixture>>;
  let server: StartedServer;
  let disabled: StartedServer;
  /** The PEFT files of the registered adapter "alpha", written where `save_pretrained` would. */
  let alphaDir: string;
  const { logger, logs } = capturedLogger();

  const post = async (url: string, path: string, body: unknown, token: string | null = TOKEN) => {
    const response = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: await response.json() };
  };
  const load = (body: unknown, token?: string | null) =>
    post(server.url, "/v1/load_lora_adapter", body, token);
  const unload = (body: unknown, token?: string | null) =>
    post(server.url, "/v1/unload_lora_adapter", body, token);
  const complete = async (model: string, prompt = "Once upon") => {
    const response = await post(
      server.url,
      "/v1/completions",
      { model, prompt, temperature: 0, max_tokens: 8 },
      null,
    );
    return {
      status: response.status,
      text: response.body.choices?.[0]?.text as string | undefined,
      body: response.body,
    };
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "inference-node-admin-"));
    modelDir = await tinyModelDir(config, "inference-node-admin-model-");
    fixture = await adaptersFixture(config, [
      { id: "alpha", options: { rank: 4, seed: 1 } },
      { id: "beta", options: { rank: 4, seed: 2 } },
    ]);
    const alpha = syntheticPeftAdapter(config, { rank: 4, seed: 1 });
    alphaDir = join(root, "alpha-peft");
    await mkdir(alphaDir);
    await writeFile(join(alphaDir, PEFT_CONFIG_FILE), alpha.configJson);
    await writeFile(join(alphaDir, PEFT_WEIGHTS_FILE), alpha.safetensors);
    server = await startInferenceServer({
      modelDir,
      adaptersDir: fixture.directory,
      adminToken: TOKEN,
      port: 0,
      logger,
    });
    disabled = await startInferenceServer({ modelDir, adaptersDir: fixture.directory, port: 0, logger });
  });
  afterAll(async () => {
    await server?.close(1000);
    await disabled?.close(1000);
    await fixture?.remove();
    await rm(modelDir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it("answers 403 admin_disabled on a node started without an admin token", async () => {
    for (const path of ["/v1/load_lora_adapter", "/v1/unload_lora_adapter"]) {
      const response = await post(disabled.url, path, { lora_name: "x", lora_path: alphaDir });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe("admin_disabled");
      expect(response.body.error.message).toMatch(/--admin-token/);
    }
    expect((await complete("alpha")).status).toBe(200);
  });

  it("answers 401 without the token or with a wrong one, and loads nothing", async () => {
    for (const token of [null, "wrong-token-wrong-token", `${TOKEN}x`]) {
      for (const send of [load, unload]) {
        const response = await send({ lora_name: "gamma", lora_path: alphaDir }, token);
        expect(response.status).toBe(401);
        expect(response.body.error.code).toBe("unauthorized");
        expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      }
    }
    const basic = await fetch(`${server.url}/v1/load_lora_adapter`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${btoa(`admin:${TOKEN}`)}` },
      body: JSON.stringify({ lora_name: "gamma", lora_path: alphaDir }),
    });
    expect(basic.status).toBe(401);
    expect((await complete("gamma")).status).toBe(404);
  });

  it("refuses bad bodies with 400 and a message naming the field", async () => {
    const cases: [unknown, string | null, RegExp][] = [
      ["{not json", null, /not valid JSON/],
      [{ lora_path: alphaDir }, "lora_name", /lora_name/],
      [{ lora_name: "", lora_path: alphaDir }, "lora_name", /lora_name/],
      [{ lora_name: "base", lora_path: alphaDir }, "lora_name", /base model/],
      [{ lora_name: "gamma" }, "lora_path", /lora_path, sha256, or both/],
      [{ lora_name: "gamma", sha256: "abc" }, "sha256", /64 hex digits/],
      [{ lora_name: "gamma", lora_path: 7 }, "lora_path", /lora_path/],
      [{ lora_name: "gamma", lora_path: join(root, "missing") }, "lora_path", /lora_path: .*ENOENT/],
    ];
    for (const [body, param, message] of cases) {
      const response = await load(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("invalid_request");
      expect(response.body.error.param).toBe(param);
      expect(response.body.error.message).toMatch(message);
    }
    const unloadResponse = await unload({});
    expect(unloadResponse.status).toBe(400);
    expect(unloadResponse.body.error.param).toBe("lora_name");
    expect((await complete("gamma")).status).toBe(404);
  });

  it("loads a PEFT directory, serves it with the weights it holds, lists it, then unloads it (404)", async () => {
    const expected = await complete("alpha");
    const loaded = await load({ lora_name: "gamma", lora_path: alphaDir });
    expect(loaded.status).toBe(200);
    expect(loaded.body).toEqual({
      object: "lora_adapter",
      id: "gamma",
      sha256: fixture.hashes.alpha,
      rank: 4,
      resident: true,
    });
    // The same PEFT files as the registered "alpha": the same package, the same tokens.
    const served = await complete("gamma");
    expect(served.status).toBe(200);
    expect(served.text).toBe(expected.text);
    expect(served.text).not.toBe((await complete("beta")).text);
    const models = await (await fetch(`${server.url}/v1/models`)).json();
    expect(models.data.find((m: { id: string }) => m.id === "gamma")).toMatchObject({
      sha256: fixture.hashes.alpha,
      resident: true,
    });
    expect((await load({ lora_name: "gamma", lora_path: alphaDir })).status).toBe(409);

    const unloaded = await unload({ lora_name: "gamma" });
    expect(unloaded.status).toBe(200);
    expect(unloaded.body).toMatchObject({ id: "gamma", resident: false });
    const after = await complete("gamma");
    expect(after.status).toBe(404);
    expect(after.body.error.code).toBe("model_not_found");
    expect((await unload({ lora_name: "gamma" })).status).toBe(404);
    // The registered adapter with the same blob is untouched.
    expect((await complete("alpha")).text).toBe(expected.text);
  });

  it("loads by sha256 alone from the blob store, and checks a claimed sha256 against the bytes", async () => {
    const byHash = await load({ lora_name: "delta", sha256: `0x${fixture.hashes.beta?.toUpperCase()}` });
    expect(byHash.status).toBe(200);
    expect(byHash.body.sha256).toBe(fixture.hashes.beta);
    expect((await complete("delta")).text).toBe((await complete("beta")).text);
    expect((await unload({ lora_name: "delta" })).status).toBe(200);

    // Bytes that are not the claimed blob: refused as any blob failing verification is, nothing kept.
    const claimed = fixture.hashes.beta as string;
    const wrong = await load({ lora_name: "epsilon", lora_path: alphaDir, sha256: claimed });
    expect(wrong.status).toBe(502);
    expect(wrong.body.error.code).toBe("adapter_integrity_failed");
    expect(
      logs.some(
        (l) => l.msg === "adapter blob failed sha256 verification; refused" && l.adapter === "epsilon",
      ),
    ).toBe(true);
    expect((await complete("epsilon")).status).toBe(404);

    // A hash no store holds: 502 adapter_unavailable, and the name is not registered.
    const absent = await load({ lora_name: "zeta", sha256: sha256Hex(new Uint8Array([1, 2, 3])) });
    expect(absent.status).toBe(502);
    expect(absent.body.error.code).toBe("adapter_unavailable");
    expect((await complete("zeta")).status).toBe(404);

    // A file that is not an adapter package: 422, not registered.
    const junk = join(root, "junk.safetensors");
    await writeFile(junk, "not a safetensors file");
    const refused = await load({ lora_name: "eta", lora_path: junk });
    expect(refused.status).toBe(422);
    expect((await complete("eta")).status).toBe(404);
  });

  it("reads a PEFT directory or a package file, refusing one above the size limit before reading it", async () => {
    const packed = await readAdapterPath(alphaDir);
    expect(sha256Hex(packed)).toBe(fixture.hashes.alpha);
    const file = join(root, "alpha.safetensors");
    await writeFile(file, packed);
    expect(sha256Hex(await readAdapterPath(file))).toBe(fixture.hashes.alpha);
    await expect(readAdapterPath(alphaDir, 100)).rejects.toThrow(
      /adapter_model\.safetensors is \d+ bytes, above the adapter limit of 100/,
    );
    await expect(readAdapterPath(file, 100)).rejects.toThrow(/above the adapter limit of 100/);
  });

  it("lets registry.json win: its ids cannot be loaded over or unloaded here (409)", async () => {
    const over = await load({ lora_name: "alpha", lora_path: alphaDir });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("adapter_conflict");
    expect(over.body.error.message).toMatch(/registry/);
    const away = await unload({ lora_name: "beta" });
    expect(away.status).toBe(409);
    expect((await complete("beta")).status).toBe(200);
  });

  it("loses no request while an adapter loads", async () => {
    const prompts = ["Once upon", "The cat", "In the beginning", "Hello there"];
    const expected = await Promise.all(prompts.map((p) => complete("alpha", p)));
    const inFlight = prompts.flatMap((p) => [complete("alpha", p), complete("base", p)]);
    const loading = load({ lora_name: "theta", lora_path: alphaDir });
    const results = await Promise.all(inFlight);
    expect((await loading).status).toBe(200);
    results.forEach((result, i) => {
      expect(result.status).toBe(200);
      if (i % 2 === 0) expect(result.text).toBe(expected[i / 2]?.text);
    });
    const afterLoad = await Promise.all(prompts.map((p) => complete("theta", p)));
    expect(afterLoad.map((r) => r.text)).toEqual(expected.map((r) => r.text));
    expect((await unload({ lora_name: "theta" })).status).toBe(200);
  });
});
