import * as ort from "onnxruntime-node";
import {
  type AdaptedModule,
  LORA_SCALES_INPUT,
  LORA_SLOTS_INPUT,
  parseLoraBankInputName,
} from "../model/addLora.js";
import { headDim, isLoraTarget, type LlamaConfig, projectionShape } from "../model/config.js";
import type { KvCache } from "./kvCache.js";
import { LoraBank } from "./loraBank.js";
import { RowBanks } from "./rowBanks.js";

export interface LlamaSessionOptions {
  /** Threads ORT may use inside one operator (default: ORT's choice). */
  intraOpThreads?: number;
}

export interface ForwardStep {
  /** Past keys/values of the rows (rows = tokens.length). */
  cache: KvCache;
  /** New tokens per row; shorter rows are left-padded. */
  tokens: number[][];
  /** Position of each row's first new token. */
  positions: number[];
  /** Per-row bank slots (0 = base model) and the bank they index; omitted means all rows on slot 0. */
  slots?: number[];
  bank?: LoraBank;
  /** Extra graph inputs (e.g. projection weights of the naive baseline graph). */
  extraFeeds?: Record<string, ort.Tensor>;
}

export interface ForwardResult {
  /** [rows, logitSteps, vocab] */
  logits: Float32Array;
  steps: number;
  /** Positions with logits per row: `steps`, or 1 for a graph that computes only the last one. */
  logitSteps: number;
  cache: KvCache;
}

/** One ONNX Runtime session of a Llama decoder, with or without LoRA inputs. */
export class LlamaSession {
  readonly modules: AdaptedModule[];
  readonly hasLora: boolean;
  /** The graph takes each row's adapter matrices (`"rows"` layout) rather than the bank and slots. */
  readonly rowBankLayout: boolean;
  private readonly zeroBank: LoraBank | null;
  private readonly rowBanks = new RowBanks();

  private constructor(
    readonly session: ort.InferenceSession,
    readonly config: LlamaConfig,
  ) {
    this.modules = [];
    for (const name of session.inputNames) {
      const parsed = parseLoraBankInputName(name);
      if (parsed?.part === "A" && isLoraTarget(parsed.target)) {
        const [inDim, outDim] = projectionShape(config, parsed.target);
        this.modules.push({ layer: parsed.layer, target: parsed.target, inDim, outDim });
      }
    }
    this.hasLora = session.inputNames.includes(LORA_SCALES_INPUT);
    this.rowBankLayout = this.hasLora && !session.inputNames.includes(LORA_SLOTS_INPUT);
    this.zeroBank = this.hasLora ? new LoraBank(this.modules, 1, 1) : null;
  }

  static async create(model: string | Uint8Array, config: LlamaConfig, options: LlamaSessionOptions = {}) {
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ["cpu"],
      graphOptimizationLevel: "all",
      ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
    };
    const session =
      typeof model === "string"
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
    return new LlamaSession(session, config);
  }

  async forward(step: ForwardStep): Promise<ForwardResult> {
    const { config } = this;
    const rows = step.tokens.length;
    if (rows !== step.cache.rows || rows !== step.positions.length) throw new Error("row counts disagree");
    const steps = Math.max(...step.tokens.map((t) => t.length));
    if (steps < 1) throw new Error("every forward step needs at least one token");
    const past = step.cache.length;
    const total = past + steps;
    const ids = new BigInt64Array(rows * steps);
    const positions = new BigInt64Array(rows * steps);
    const mask = new BigInt64Array(rows * total);
    const newMask = new Uint8Array(rows * total);
    for (let r = 0; r < rows; r++) {
      const tokens = step.tokens[r] as number[];
      const pad = steps - tokens.length;
      for (let c = 0; c < past; c++) newMask[r * total + c] = step.cache.mask[r * past + c] as number;
      for (let i = 0; i < tokens.length; i++) {
        ids[r * steps + pad + i] = BigInt(tokens[i] as number);
        positions[r * steps + pad + i] = BigInt((step.positions[r] as number) + i);
        newMask[r * total + past + pad + i] = 1;
      }
    }
    for (let i = 0; i < newMask.length; i++) mask[i] = BigInt(newMask[i] as number);

    const d = headDim(config);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", ids, [rows, steps]),
      attention_mask: new ort.Tensor("int64", mask, [rows, total]),
      position_ids: new ort.Tensor("int64", positions, [rows, steps]),
      ...step.extraFeeds,
    };
    for (let l = 0; l < config.numLayers; l++) {
      const dims = [rows, config.numKvHeads, past, d];
      feeds[`past_key_values.${l}.key`] = new ort.Tensor("float32", step.cache.keys[l] as Float32Array, dims);
      feeds[`past_key_values.${l}.value`] = new ort.Tensor(
        "float32",
        step.cache.values[l] as Float32Array,
        dims,
      );
    }
    if (this.hasLora) {
      const bank = step.bank ?? (this.zeroBank as LoraBank);
      const slots = step.slots ?? new Array<number>(rows).fill(0);
      if (slots.length !== rows) throw new Error("one slot per row is required");
      if (this.rowBankLayout) Object.assign(feeds, this.rowBanks.feeds(bank, slots));
      else this.feedBank(feeds, bank, slots);
    } else if (step.bank || step.slots?.some((s) => s !== 0)) {
      throw new Error("this graph has no LoRA inputs");
    }

    const out = await this.session.run(feeds);
    const keys: Float32Array[] = [];
    const values: Float32Array[] = [];
    for (let l = 0; l < config.numLayers; l++) {
      keys.push(out[`present.${l}.key`]?.data as Float32Array);
      values.push(out[`present.${l}.value`]?.data as Float32Array);
    }
    const logits = out.logits as ort.Tensor;
    return {
      logits: logits.data as Float32Array,
      steps,
      logitSteps: Number(logits.dims[1]),
      cache: { rows, length: total, mask: newMask, keys, values },
    };
  }

  /** The `"slots"` layout: the whole bank and each row's slot; the graph gathers. */
  private feedBank(feeds: Record<string, ort.Tensor>, bank: LoraBank, slots: number[]): void {
    feeds[LORA_SLOTS_INPUT] = new ort.Tensor("int64", BigInt64Array.from(slots.map(BigInt)), [slots.length]);
    feeds[LORA_SCALES_INPUT] = new ort.Tensor("float32", bank.scales, [bank.slots]);
    for (const m of bank.modules) {
      const a = `lora.${m.layer}.${m.target}.A`;
      const b = `lora.${m.layer}.${m.target}.B`;
      feeds[a] = new ort.Tensor("float32", bank.a.get(a) as Float32Array, [bank.slots, m.inDim, bank.rank]);
      feeds[b] = new ort.Tensor("float32", bank.b.get(b) as Float32Array, [bank.slots, bank.rank, m.outDim]);
    }
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The logits of the last step of each row: [vocab] views into a forward result. */
export function lastLogits(result: ForwardResult, vocab: number): Float32Array[] {
  const rows = result.cache.rows;
  return Array.from({ length: rows }, (_, r) => {
    const start = (r * result.logitSteps + result.logitSteps - 1) * vocab;
    return result.logits.subarray(start, start + vocab);
  });
}
