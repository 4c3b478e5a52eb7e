import type { LoraAdapter } from "../adapters/lora.js";
import type { AdaptedModule } from "../model/addLora.js";
import { loraBankInputName } from "../model/addLora.js";

/**
 * The adapter weights the graph reads: one [slots, in, rank] / [slots, rank, out] pair per adapted
 * module plus one scale per slot. Slot 0 stays zero (base model). Adapters of lower rank are
 * zero-padded to the bank rank, which leaves their product unchanged.
 */
export class LoraBank {
  readonly a = new Map<string, Float32Array>();
  readonly b = new Map<string, Float32Array>();
  readonly scales: Float32Array;
  /** Bumped by every write, so copies laid out from the bank know when they are stale. */
  version = 0;

  constructor(
    readonly modules: readonly AdaptedModule[],
    readonly slots: number,
    readonly rank: number,
  ) {
    if (slots < 1 || rank < 1) throw new Error("a LoRA bank needs at least one slot and rank 1");
    for (const m of modules) {
      this.a.set(loraBankInputName(m.layer, m.target, "A"), new Float32Array(slots * m.inDim * rank));
      this.b.set(loraBankInputName(m.layer, m.target, "B"), new Float32Array(slots * rank * m.outDim));
    }
    this.scales = new Float32Array(slots);
  }

  /** Bytes held by the bank tensors. */
  get bytes(): number {
    let total = this.scales.byteLength;
    for (const t of this.a.values()) total += t.byteLength;
    for (const t of this.b.values()) total += t.byteLength;
    return total;
  }

  /** Writes an adapter into a slot (or clears it with null). */
  write(slot: number, adapter: LoraAdapter | null): void {
    if (slot <= 0 || slot >= this.slots) throw new Error(`slot ${slot} outside 1..${this.slots - 1}`);
    if (adapter && adapter.rank > this.rank) {
      throw new Error(`adapter ${adapter.id} has rank ${adapter.rank}, above the bank rank ${this.rank}`);
    }
    if (adapter) {
      for (const m of adapter.modules) {
        if (!this.modules.some((x) => x.layer === m.layer && x.target === m.target)) {
          throw new Error(
            `adapter ${adapter.id} targets layer ${m.layer} ${m.target}, which the graph does not adapt`,
          );
        }
      }
    }
    const r = this.rank;
    for (const m of this.modules) {
      const name = `${m.layer}.${m.target}`;
      const bankA = this.a.get(loraBankInputName(m.layer, m.target, "A")) as Float32Array;
      const bankB = this.b.get(loraBankInputName(m.layer, m.target, "B")) as Float32Array;
      const aStart = slot * m.inDim * r;
      const bStart = slot * r * m.outDim;
      bankA.fill(0, aStart, aStart + m.inDim * r);
      bankB.fill(0, bStart, bStart + r * m.outDim);
      const source = adapter?.modules.find((x) => `${x.layer}.${x.target}` === name);
      if (!source) continue;
      if (source.inDim !== m.inDim || source.outDim !== m.outDim) {
        throw new Error(
          `adapter ${adapter?.id} module ${name} has shape [${source.inDim}, ${source.outDim}]`,
        );
      }
      for (let i = 0; i < m.inDim; i++) {
        bankA.set(source.a.subarray(i * source.rank, (i + 1) * source.rank), aStart + i * r);
      }
      bankB.set(source.b, bStart);
    }
    this.scales[slot] = adapter ? adapter.scale : 0;
    this.version += 1;
  }
}
