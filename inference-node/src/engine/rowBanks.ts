import * as ort from "onnxruntime-node";
import { LORA_SCALES_INPUT } from "../model/addLora.js";
import type { LoraBank } from "./loraBank.js";

/**
 * Lays out the bank matrices of each row's slot in row order (`[rows, in, rank]`,
 * `[rows, rank, out]`, scales `[rows]`) for graphs with the `"rows"` LoRA layout. The layout is
 * kept while the batch keeps the same rows and the bank is unchanged, so consecutive decode steps
 * feed the same tensors and nothing is gathered or copied per step. A few recent layouts are kept
 * (a prefill of new rows between decode steps does not evict the running batch's).
 */
export class RowBanks {
  private readonly recent: { key: string; feeds: Record<string, ort.Tensor> }[] = [];
  private readonly ids = new WeakMap<LoraBank, number>();
  private nextId = 0;

  constructor(private readonly keep = 2) {}

  feeds(bank: LoraBank, slots: readonly number[]): Record<string, ort.Tensor> {
    let id = this.ids.get(bank);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(bank, id);
    }
    const key = `${id}:${bank.version}:${slots.join(",")}`;
    const index = this.recent.findIndex((entry) => entry.key === key);
    if (index >= 0) {
      const [entry] = this.recent.splice(index, 1);
      this.recent.unshift(entry as (typeof this.recent)[number]);
      return (entry as (typeof this.recent)[number]).feeds;
    }
    const feeds = layOut(bank, slots);
    this.recent.unshift({ key, feeds });
    this.recent.length = Math.min(this.recent.length, this.keep);
    return feeds;
  }
}

function layOut(bank: LoraBank, slots: readonly number[]): Record<string, ort.Tensor> {
  const rows = slots.length;
  const r = bank.rank;
  for (const slot of slots) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= bank.slots) {
      throw new Error(`slot ${slot} outside the bank's 0..${bank.slots - 1}`);
    }
  }
  const feeds: Record<string, ort.Tensor> = {
    [LORA_SCALES_INPUT]: new ort.Tensor(
      "float32",
      Float32Array.from(slots, (slot) => bank.scales[slot] as number),
      [rows],
    ),
  };
  for (const m of bank.modules) {
    const a = `lora.${m.layer}.${m.target}.A`;
    const b = `lora.${m.layer}.${m.target}.B`;
    const bankA = bank.a.get(a) as Float32Array;
    const bankB = bank.b.get(b) as Float32Array;
    const aSize = m.inDim * r;
    const bSize = r * m.outDim;
    const rowsA = new Float32Array(rows * aSize);
    const rowsB = new Float32Array(rows * bSize);
    slots.forEach((slot, row) => {
      rowsA.set(bankA.subarray(slot * aSize, (slot + 1) * aSize), row * aSize);
      rowsB.set(bankB.subarray(slot * bSize, (slot + 1) * bSize), row * bSize);
    });
    feeds[a] = new ort.Tensor("float32", rowsA, [rows, m.inDim, r]);
    feeds[b] = new ort.Tensor("float32", rowsB, [rows, r, m.outDim]);
  }
  return feeds;
}
