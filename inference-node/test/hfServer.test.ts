import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { argmax } from "../src/engine/sampling.js";
import { LORA_TARGETS } from "../src/model/config.js";
import { loadModelDir } from "../src/model/loadModel.js";
import type { ChatMessage } from "../src/model/tokenizer.js";
import { type StartedServer, startInferenceServer } from "../src/node.js";
import { adaptersFixture, capturedLogger, sseData } from "./helpers.js";
import { type WrittenCheckpoint, writeHfCheckpoint } from "./hfFixtures.js";

const MESSAGES: ChatMessage[] = [
  { role: "system", content: "Answer in one word." },
  { role: "user", content: "What colour is the sky?" },
];
const MAX_TOKENS = 6;

/** Greedy tokens of the chat, computed on the graph directly (no scheduler, no HTTP). */
async function greedyContinuation(dir: string, steps: number) {
  const loaded = await loadModelDir(dir);
  const session = await LlamaSession.create(loaded.model, loaded.config);
  const prompt = loaded.tokenizer.encodeChat(MESSAGES);
  const tokens: number[] = [];
  let step = await session.forward({ cache: emptyCache(loaded.config, 1), tokens: [prompt], positions: [0] });
  for (let i = 0; i < steps; i++) {
    const token = argmax(lastLogits(step, loaded.config.vocabSize)[0] as Float32Array);
    tokens.push(token);
    step = await session.forward({ cache: step.cache, tokens: [[token]], positions: [prompt.length + i] });
  }
  await session.release();
  return { prompt, tokens, tokenizer: loaded.tokenizer };
}

describe("serving a Hugging Face checkpoint over HTTP (Qwen2 layout, real vocabulary)", () => {
  let root: string;
  let written: WrittenCheckpoint;
  let adapters: Awaited<ReturnType<typeof adaptersFixture>>;
  let server: StartedServer | undefined;
  let expected: Awaited<ReturnType<typeof greedyContinuation>>;
  const { logger } = capturedLogger();

  const start = () =>
    startInferenceServer({ modelDir: written.dir, adaptersDir: adapters.directory, port: 0, logger });
  const chat = (body: object) =>
    fetch(`${server?.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "base",
        messages: MESSAGES,
        temperature: 0,
        max_tokens: MAX_TOKENS,
        ...body,
      }),
    });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "hf-server-"));
    // Seed 2: greedy gives two newlines then another token, so the EOS test sees text before its stop.
    written = await writeHfCheckpoint(join(root, "qwen2-tiny"), "qwen2", { dtype: "BF16", seed: 2 });
    adapters = await adaptersFixture(written.llama, [
      { id: "all-seven", options: { rank: 4, seed: 3, targets: LORA_TARGETS } },
    ]);
    expected = await greedyContinuation(written.dir, MAX_TOKENS);
    server = await start();
  }, 120_000);
  afterAll(async () => {
    await server?.close(1000);
    await adapters?.remove();
    await rm(root, { recursive: true, force: true });
  });

  it("answers /v1/chat/completions with the model's template, tokenizer and greedy tokens", async () => {
    const response = await chat({});
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("base");
    expect(body.usage).toEqual({
      prompt_tokens: expected.prompt.length,
      completion_tokens: MAX_TOKENS,
      total_tokens: expected.prompt.length + MAX_TOKENS,
    });
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.choices[0].message.content).toBe(expected.tokenizer.decode(expected.tokens));
  });

  it("streams the same text in deltas", async () => {
    const response = await chat({ stream: true });
    expect(response.status).toBe(200);
    const events = sseData(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const text = chunks.map((c) => c.choices[0].delta.content ?? "").join("");
    expect(text).toBe(expected.tokenizer.decode(expected.tokens));
  });

  it("encodes /v1/completions prompts with the model's tokenizer and serves adapters on it", async () => {
    const post = (model: string) =>
      fetch(`${server?.url}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, prompt: "Hello world", temperature: 0, max_tokens: 4 }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const base = await post("base");
    expect(base.status).toBe(200);
    expect(base.body.usage.prompt_tokens).toBe(2); // "Hello", " world": Qwen adds no BOS
    const adapted = await post("all-seven");
    expect(adapted.status).toBe(200);
    expect(adapted.body.choices[0].text).not.toBe(base.body.choices[0].text);
    const models = await (await fetch(`${server?.url}/v1/models`)).json();
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(["base", "all-seven"]);
    expect(models.data[0].root).toBe("qwen2-tiny");
  });

  it("stops on any of the model's EOS ids (generation_config.json)", async () => {
    // Make the last greedy token that first appears late an EOS id of the checkpoint.
    const firsts = expected.tokens.flatMap((t, i) => (expected.tokens.indexOf(t) === i ? [i] : []));
    const index = firsts.at(-1) as number;
    expect(index).toBeGreaterThan(0); // so text before the stop is checked too (fixed seed)
    const eos = expected.tokens[index] as number;
    await writeFile(
      join(written.dir, "generation_config.json"),
      JSON.stringify({ eos_token_id: [151645, eos] }),
    );
    await server?.close(1000);
    server = await start();
    const body = await (await chat({})).json();
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(body.usage.completion_tokens).toBe(index + 1);
    expect(body.choices[0].message.content).toBe(expected.tokenizer.decode(expected.tokens.slice(0, index)));
  }, 60_000);

  it("refuses a checkpoint of an unsupported family from the command line, naming it (exit 2)", async () => {
    const dir = join(root, "gpt2");
    await writeHfCheckpoint(dir, "mistral", { vocabSize: 512 });
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({ model_type: "gpt2", architectures: ["GPT2LMHeadModel"], n_embd: 768 }),
    );
    const cli = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));
    const error = await promisify(execFile)(process.execPath, [
      "--import",
      "tsx",
      cli,
      "--model-dir",
      dir,
    ]).then(
      () => expect.unreachable("it should fail"),
      (e: { code: number; stderr: string }) => e,
    );
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(/config\.json: model_type "gpt2" \(GPT2LMHeadModel\) is not supported/);
  }, 30_000);
});
