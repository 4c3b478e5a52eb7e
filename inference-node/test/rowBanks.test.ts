import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyCache } from "../src/engine/kvCache.js";
import { LlamaSession } from "../src/engine/llamaSession.js";
import { LoraBank } from "../src/engine/loraBank.js";
import { RowBanks } from "../src/engine/rowBanks.js";
import { addLoraInputs } from "../src/model/addLora.js";
import { LORA_TARGETS, TINY_CONFIG } from "../src/model/config.js";
import { buildLlamaGraph } from "../src/model/llamaGraph.js";
import { encodeModel } from "../src/model/onnxGraph.js";
import { generateLlamaWeights } from "../src/model/weights.js";
import { maxAbs, maxAbsDiff, syntheticAdapter } from "./helpers.js";

// The "rows" LoRA layout (each row's matrices fed in row order, reused across steps) must compute
// exactly what the "slots" layout (the graph gathers from the whole bank) computes.
const config = TINY_CONFIG;
const prompts = [
  [256, 72, 101, 108, 108, 111],
  [256, 65, 66],
  [256, 1, 2, 3, 4, 5, 6, 7],
];

describe("LoRA bank layouts", () => {
  const plain = buildLlamaGraph(config, generateLlamaWeights(config, 11));
  const a = syntheticAdapter(config, "a", { rank: 4, seed: 1, targets: LORA_TARGETS });
  const b = syntheticAdapter(config, "b", { rank: 8, seed: 2, targets: ["q_proj", "v_proj"] });
  const c = syntheticAdapter(config, "c", { rank: 2, seed: 3, targets: ["down_proj"] });
  let rows: LlamaSession;
  let slots: LlamaSession;
  let bank: LoraBank;

  beforeAll(async () => {
    rows = await LlamaSession.create(encodeModel(addLoraInputs(plain, LORA_TARGETS).model), config);
    slots = await LlamaSession.create(encodeModel(addLoraInputs(plain, LORA_TARGETS, "slots").model), config);
    bank = new LoraBank(rows.modules, 5, 8);
    bank.write(1, a);
    bank.write(2, b);
    bank.write(3, c);
  });
  afterAll(async () => {
    await rows.release();
    await slots.release();
  });

  const run = async (session: LlamaSession, rowSlots: number[], steps: number) => {
    const logits: Float32Array[] = [];
    let step = await session.forward({
      cache: emptyCache(config, prompts.length),
      tokens: prompts,
      positions: prompts.map(() => 0),
      slots: rowSlots,
      bank,
    });
    logits.push(step.logits);
    for (let t = 0; t < steps; t++) {
      step = await session.forward({
        cache: step.cache,
        tokens: prompts.map((_, r) => [(t * 7 + r) % 256]),
        positions: prompts.map((p) => p.length + t),
        slots: rowSlots,
        bank,
      });
      logits.push(step.logits);
    }
    return logits;
  };

  it("gives the slots layout's logits, prefill and decode, rows on different adapters", async () => {
    expect(rows.rowBankLayout).toBe(true);
    expect(slots.rowBankLayout).toBe(false);
    const fromRows = await run(rows, [1, 0, 3], 4);
    const fromSlots = await run(slots, [1, 0, 3], 4);
    fromRows.forEach((l, i) => {
      expect(maxAbsDiff(l, fromSlots[i] as Float32Array)).toBeLessThan(1e-5 * Math.max(1, maxAbs(l)));
    });
  });

  it("follows a bank write: a slot rewritten between steps is read anew", async () => {
    const before = await run(rows, [2, 2, 1], 1);
    bank.write(2, c);
    const after = await run(rows, [2, 2, 1], 1);
    const expected = await run(slots, [2, 2, 1], 1);
    expect(maxAbsDiff(before[1] as Float32Array, after[1] as Float32Array)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(after[1] as Float32Array, expected[1] as Float32Array)).toBeLessThan(1e-4);
    bank.write(2, b);
  });

  it("reuses one layout while the rows and the bank stay the same, and refuses unknown slots", () => {
    const layouts = new RowBanks();
    const first = layouts.feeds(bank, [1, 2]);
    expect(layouts.feeds(bank, [1, 2])).toBe(first);
    expect(layouts.feeds(bank, [2, 1])).not.toBe(first);
    expect(layouts.feeds(bank, [1, 2])).toBe(first); // two layouts kept: prefill rows do not evict
    bank.write(4, a);
    expect(layouts.feeds(bank, [1, 2])).not.toBe(first);
    expect(() => layouts.feeds(bank, [5])).toThrow(/outside the bank/);
    const scales = layouts.feeds(bank, [1, 0, 3]).lora_scales?.data as Float32Array;
    expect(Array.from(scales)).toEqual([a.scale, 0, c.scale].map((s) => Math.fround(s)));
  });
});
