import { readFile } from "node:fs/promises";
import { join } from "node:path";
// The inference node's own serving path: ONNX graph with LoRA bank inputs, run by onnxruntime.
import { emptyCache, LlamaSession, LoraBank } from "@payable-ai/inference-node/training";
import { contentHash, loadTrainingManifest, verifyTrainingManifestProof } from "@payable-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAdapterPackage, readSafetensors } from "../src/base/inferenceNode.js";
import { type BaseModel, loadBaseModel } from "../src/base/loadBaseModel.js";
import { examplesOf, syntheticDatanet } from "../src/data/synthetic.js";
import { MANIFEST_FILE } from "../src/output/manifest.js";
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_PACKAGE_FILE,
  ADAPTER_WEIGHTS_FILE,
} from "../src/output/peftAdapter.js";
import { publishTrainingResult } from "../src/output/publish.js";
import { tf } from "../src/train/backend.js";
import { LoraLlama, loraStateOf } from "../src/train/loraLlama.js";
import { type TrainResult, train } from "../src/train/trainer.js";
import { maxAbs, maxAbsDiff, tempDir, tinyModelDir } from "./helpers.js";

const TOL = 2e-3;

describe("trained adapter in the inference node", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let base: BaseModel;
  let result: TrainResult;
  const contributions = syntheticDatanet(24, 5, 100n);

  beforeAll(async () => {
    dir = await tempDir("adapter");
    base = await loadBaseModel(await tinyModelDir(join(dir.path, "model")));
    result = await train({
      base: { name: base.config.name, llama: base.llama, weights: base.weights },
      examples: examplesOf(contributions),
      hyperparameters: {
        rank: 4,
        alpha: 8,
        targets: ["q_proj", "k_proj", "v_proj", "o_proj", "up_proj"],
        batchSize: 4,
        maxLength: 96,
        learningRate: 1e-2,
        maxSteps: 6,
        evalFraction: 0.25,
        evalEvery: 3,
      },
    });
  });
  afterAll(() => dir.remove());

  it("writes PEFT files that the node's adapter reader loads unchanged", async () => {
    const out = await publishTrainingResult(join(dir.path, "out"), result, base.config.name);
    const config = JSON.parse(await readFile(join(out.directory, ADAPTER_CONFIG_FILE), "utf8"));
    expect(config).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 8, use_rslora: false });
    const weights = readSafetensors(
      new Uint8Array(await readFile(join(out.directory, ADAPTER_WEIGHTS_FILE))),
    );
    expect(weights.tensors.get("base_model.model.model.layers.1.mlp.up_proj.lora_A.weight")?.shape).toEqual([
      4,
      base.llama.hiddenSize,
    ]);
    const pkg = new Uint8Array(await readFile(join(out.directory, ADAPTER_PACKAGE_FILE)));
    expect(out.adapterHash).toBe(contentHash(pkg));

    const adapter = readAdapterPackage("tuned", pkg, base.llama);
    expect(adapter.scale).toBe(2);
    expect(adapter.modules).toHaveLength(base.llama.numLayers * 5);
    for (const m of adapter.modules) {
      const trained = result.modules.find((x) => x.layer === m.layer && x.target === m.target);
      expect(m.a).toEqual(trained?.a);
      expect(m.b).toEqual(trained?.b);
    }
  });

  it("gives the same logits in the node's ONNX graph as in the trainer, with and without the adapter", async () => {
    const pkg = await readFile(join(dir.path, "out", ADAPTER_PACKAGE_FILE));
    const adapter = readAdapterPackage("tuned", new Uint8Array(pkg), base.llama);
    const session = await LlamaSession.create(join(base.directory, "model.onnx"), base.llama);
    try {
      const bank = new LoraBank(session.modules, 2, 4);
      bank.write(1, adapter);
      const tokens = [256, ...new TextEncoder().encode("user: What is the capital of Kalo?\nassistant: ")];
      const V = base.llama.vocabSize;
      const run = async (slot: number) =>
        (
          await session.forward({
            cache: emptyCache(base.llama, 1),
            tokens: [tokens],
            positions: [0],
            slots: [slot],
            bank,
          })
        ).logits;
      const trainer = new LoraLlama({
        llama: base.llama,
        weights: base.weights,
        lora: result.lora,
        seed: 0,
      });
      const ids = Int32Array.from(tokens);
      const baseLogits = tf.tidy(() => trainer.logits(ids, 1, tokens.length)).dataSync();
      trainer.writeLora(loraStateOf(result.modules));
      const tunedLogits = tf.tidy(() => trainer.logits(ids, 1, tokens.length)).dataSync();
      trainer.dispose();

      const onnxBase = await run(0);
      const onnxTuned = await run(1);
      expect(maxAbs(onnxTuned)).toBeGreaterThan(1);
      expect(maxAbsDiff(onnxBase, baseLogits)).toBeLessThan(TOL);
      expect(maxAbsDiff(onnxTuned, tunedLogits)).toBeLessThan(TOL);
      // The adapter really changes the answer distribution.
      const last = (tokens.length - 1) * V;
      expect(
        maxAbsDiff(onnxTuned.subarray(last, last + V), onnxBase.subarray(last, last + V)),
      ).toBeGreaterThan(0.1);
    } finally {
      await session.release();
    }
  });

  it("commits to the contributions used in a manifest the SDK verifies", async () => {
    const json = JSON.parse(await readFile(join(dir.path, "out", MANIFEST_FILE), "utf8"));
    const manifest = loadTrainingManifest(json.tree);
    expect(manifest.root).toBe(json.root);
    expect(manifest.entries).toHaveLength(24);
    const first = contributions[0];
    if (!first) throw new Error("no contribution");
    const entry = { contributionId: first.contributionId, contentHash: first.contentHash };
    expect(verifyTrainingManifestProof(manifest.root, entry, manifest.proof(first.contributionId))).toBe(
      true,
    );
    expect(
      verifyTrainingManifestProof(
        manifest.root,
        { ...entry, contentHash: contentHash("other text") },
        manifest.proof(first.contributionId),
      ),
    ).toBe(false);
  });
});
