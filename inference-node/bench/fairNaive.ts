/**
 * The naive baseline made fair: a server that runs each request alone (batch 1, KV cache) on weights
 * with its adapter merged in, but merges each adapter once (with ONNX Runtime's MatMul, not a scalar
 * JS loop) and keeps the merged projections for the next request on that adapter.
 */
import * as ort from "onnxruntime-node";
import type { LoraAdapter } from "../src/adapters/lora.js";
import { emptyCache } from "../src/engine/kvCache.js";
import { type LlamaSession, lastLogits } from "../src/engine/llamaSession.js";
import { argmax } from "../src/engine/sampling.js";
import { type LoraTarget, projectionShape } from "../src/model/config.js";
import { ElemType, encodeModel, GraphBuilder, valueInfo } from "../src/model/onnxGraph.js";
import type { LlamaWeights } from "../src/model/weights.js";

/** `w + s · a @ b` as one ORT graph with dynamic shapes: the merge at MatMul speed. */
export class MergeSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(threads: number): Promise<MergeSession> {
    const g = new GraphBuilder();
    g.inputs.push(
      valueInfo("w", ElemType.FLOAT, ["in", "out"]),
      valueInfo("a", ElemType.FLOAT, ["in", "r"]),
      valueInfo("b", ElemType.FLOAT, ["r", "out"]),
      valueInfo("s", ElemType.FLOAT, []),
    );
    g.outputs.push(valueInfo("merged", ElemType.FLOAT, ["in", "out"]));
    const delta = g.op("Mul", [g.op("MatMul", ["a", "b"]), "s"]);
    g.node("Add", ["w", delta], { outputs: ["merged"] });
    const session = await ort.InferenceSession.create(encodeModel(g.toModel("merge")), {
      executionProviders: ["cpu"],
      intraOpNumThreads: threads,
    });
    return new MergeSession(session);
  }

  async merge(
    w: Float32Array,
    inDim: number,
    outDim: number,
    a: Float32Array,
    b: Float32Array,
    rank: number,
    scale: number,
  ) {
    const out = await this.session.run({
      w: new ort.Tensor("float32", w, [inDim, outDim]),
      a: new ort.Tensor("float32", a, [inDim, rank]),
      b: new ort.Tensor("float32", b, [rank, outDim]),
      s: new ort.Tensor("float32", Float32Array.of(scale), []),
    });
    return out.merged?.data as Float32Array;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export interface NaiveServerOptions {
  /** Session of the graph built with `weightInputs: targets`. */
  session: LlamaSession;
  weights: LlamaWeights;
  targets: readonly LoraTarget[];
  merger: MergeSession;
}

/** One request at a time; merged projections cached per adapter id. */
export class NaiveServer {
  readonly merged = new Map<string, Record<string, ort.Tensor>>();
  mergeMs = 0;

  constructor(private readonly options: NaiveServerOptions) {}

  async feedsFor(adapter: LoraAdapter): Promise<Record<string, ort.Tensor>> {
    const cached = this.merged.get(adapter.id);
    if (cached) return cached;
    const started = performance.now();
    const { session, weights, targets, merger } = this.options;
    const config = session.config;
    const feeds: Record<string, ort.Tensor> = {};
    for (let l = 0; l < config.numLayers; l++) {
      for (const target of targets) {
        const [inDim, outDim] = projectionShape(config, target);
        const base = weights.layers[l]?.proj[target] as Float32Array;
        const m = adapter.modules.find((x) => x.layer === l && x.target === target);
        const w = m ? await merger.merge(base, inDim, outDim, m.a, m.b, m.rank, adapter.scale) : base;
        feeds[`weight.${l}.${target}`] = new ort.Tensor("float32", w, [inDim, outDim]);
      }
    }
    this.merged.set(adapter.id, feeds);
    this.mergeMs += performance.now() - started;
    return feeds;
  }

  /** Greedy generation of `newTokens` tokens for one request, alone. */
  async generate(adapter: LoraAdapter, prompt: number[], newTokens: number): Promise<number> {
    const { session } = this.options;
    const extraFeeds = await this.feedsFor(adapter);
    let step = await session.forward({
      cache: emptyCache(session.config, 1),
      tokens: [prompt],
      positions: [0],
      extraFeeds,
    });
    let position = prompt.length;
    let produced = 0;
    for (let t = 0; t < newTokens; t++) {
      const token = argmax(lastLogits(step, session.config.vocabSize)[0] as Float32Array);
      produced += 1;
      if (t === newTokens - 1) break;
      step = await session.forward({
        cache: step.cache,
        tokens: [[token]],
        positions: [position],
        extraFeeds,
      });
      position += 1;
    }
    return produced;
  }
}
