import { mkdtemp, rm } from "node:fs/promises";
import { type Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { type LoraAdapter, mergeAdaptersLinear } from "../src/adapters/lora.js";
import { readAdapterPackage } from "../src/adapters/peft.js";
import { type SyntheticAdapterOptions, syntheticPeftAdapter } from "../src/adapters/synthetic.js";
import { emptyCache } from "../src/engine/kvCache.js";
import { type LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import type { LoraBank } from "../src/engine/loraBank.js";
import { addLoraInputs } from "../src/model/addLora.js";
import { ATTENTION_TARGETS, type LlamaConfig, type LoraTarget } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { writeGeneratedModel } from "../src/model/modelDir.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { generateLlamaWeights } from "../src/model/weights.js";

export function tinyModel(config: LlamaConfig, seed: number, targets?: readonly LoraTarget[]) {
  const weights = generateLlamaWeights(config, seed);
  const plain = buildLlamaGraph(config, weights);
  const lora = addLoraInputs(plain, targets);
  return {
    weights,
    plainBytes: encodeModel(plain),
    loraBytes: encodeModel(lora.model),
    modules: lora.modules,
  };
}

export function syntheticAdapter(
  config: LlamaConfig,
  id: string,
  options: SyntheticAdapterOptions,
): LoraAdapter {
  return readAdapterPackage(id, syntheticPeftAdapter(config, options).package, config);
}

export { mergeAdaptersLinear };

/** Last-position logits of one prompt from an empty cache, on a bank slot when a bank is given. */
export async function promptLogits(
  session: LlamaSession,
  prompt: number[],
  slot = 0,
  bank?: LoraBank,
): Promise<Float32Array> {
  const step = await session.forward({
    cache: emptyCache(session.config, 1),
    tokens: [prompt],
    positions: [0],
    ...(bank ? { slots: [slot], bank } : {}),
  });
  return lastLogits(step, session.config.vocabSize)[0] as Float32Array;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] as number));
  return max;
}

import { AdapterCache } from "../src/adapters/adapterCache.js";
import { addAdapterToDir, BLOBS_DIR, REGISTRY_FILE } from "../src/adapters/adapterDir.js";
import { createAdapterLoader } from "../src/adapters/adapterLoader.js";
import { LocalBlobSource } from "../src/adapters/blobSource.js";
import { StaticAdapterRegistry } from "../src/adapters/registry.js";

/** A temporary adapters directory (registry.json + blobs/) holding seeded PEFT adapters. */
export async function adaptersFixture(
  config: LlamaConfig,
  specs: { id: string; options: SyntheticAdapterOptions }[],
) {
  const directory = await mkdtemp(join(tmpdir(), "inference-node-adapters-"));
  const hashes: Record<string, string> = {};
  for (const spec of specs) {
    hashes[spec.id] = await addAdapterToDir(
      directory,
      spec.id,
      syntheticPeftAdapter(config, spec.options).package,
    );
  }
  const registry = await StaticAdapterRegistry.fromFile(join(directory, REGISTRY_FILE));
  const source = new LocalBlobSource(join(directory, BLOBS_DIR));
  return {
    directory,
    hashes,
    registry,
    source,
    cache: (budgetBytes = 64 << 20) =>
      new AdapterCache({ budgetBytes, load: createAdapterLoader({ registry, source, model: config }) }),
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}

/** A temporary model directory holding the generated `llama-tiny` (seed 5, attention LoRA targets). */
export async function tinyModelDir(config: LlamaConfig, prefix: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  await writeGeneratedModel(directory, {
    name: "llama-tiny",
    llama: config,
    seed: 5,
    loraTargets: ATTENTION_TARGETS,
  });
  return directory;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  reusedSocket: boolean;
}

/**
 * One JSON POST through node:http, where fetch would hide the connection: on `agent` (a fresh
 * connection, closed after, without one); `chunked` sends the body without a content-length.
 */
export function rawPost(
  url: string,
  body: string,
  { agent, chunked = false }: { agent?: Agent; chunked?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (agent === undefined) headers.connection = "close";
    const req = request(url, { method: "POST", agent: agent ?? false, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text,
          reusedSocket: req.reusedSocket,
        }),
      );
    });
    req.on("error", reject);
    if (chunked) {
      for (let i = 0; i < body.length; i += 64 << 10) req.write(body.slice(i, i + (64 << 10)));
      req.end();
    } else req.end(body);
  });
}

/** The `data:` payloads of a server-sent event stream, `[DONE]` included. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((e) => e.startsWith("data: "))
    .map((e) => e.slice("data: ".length));
}

/** A pino logger at info whose lines are kept, parsed, in `logs` (to assert what a node logged). */
export function capturedLogger(): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => logs.push(JSON.parse(line)) });
  return { logger, logs };
}
