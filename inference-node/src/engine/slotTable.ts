import type { LoraAdapter } from "../adapters/lora.js";
import type { LoraBank } from "./loraBank.js";

interface SlotEntry {
  slot: number;
  refs: number;
  lastUse: number;
}

/**
 * Assigns bank slots to adapters. A slot keeps its adapter after the last row using it leaves, so
 * returning to a recently used adapter is free (hot switch); idle slots are reused least recently
 * used first.
 */
export class SlotTable {
  private readonly entries = new Map<string, SlotEntry>();
  private readonly free: number[] = [];
  private clock = 0;
  hotHits = 0;
  writes = 0;

  constructor(readonly bank: LoraBank) {
    for (let slot = bank.slots - 1; slot >= 1; slot--) this.free.push(slot);
  }

  /** Returns the slot holding `key`, writing the adapter into a slot if needed; null when all are busy. */
  acquire(key: string, adapter: LoraAdapter): number | null {
    this.clock += 1;
    const existing = this.entries.get(key);
    if (existing) {
      existing.refs += 1;
      existing.lastUse = this.clock;
      this.hotHits += 1;
      return existing.slot;
    }
    let slot = this.free.pop();
    if (slot === undefined) {
      let victim: [string, SlotEntry] | null = null;
      for (const entry of this.entries) {
        if (entry[1].refs === 0 && (!victim || entry[1].lastUse < victim[1].lastUse)) victim = entry;
      }
      if (!victim) return null;
      this.entries.delete(victim[0]);
      slot = victim[1].slot;
    }
    try {
      this.bank.write(slot, adapter);
    } catch (error) {
      this.free.push(slot);
      throw error;
    }
    this.writes += 1;
    this.entries.set(key, { slot, refs: 1, lastUse: this.clock });
    return slot;
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.refs > 0) entry.refs -= 1;
  }

  /** Forgets an adapter (e.g. re-registered with new weights) once no row uses it. */
  forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.refs === 0) {
      this.entries.delete(key);
      this.free.push(entry.slot);
    }
  }

  isLoaded(key: string): boolean {
    return this.entries.has(key);
  }
}
