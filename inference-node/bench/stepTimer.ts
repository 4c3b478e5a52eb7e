/**
 * Splits a session's time into prefill and decode: wraps `forward` of one LlamaSession instance and
 * adds up wall-clock and process CPU time per phase (a decode step: one new token per row on a
 * non-empty cache). With one ORT thread and nothing else running, CPU time of a step is the step.
 */
import type { ForwardStep, LlamaSession } from "../src/engine/llamaSession.js";

export interface PhaseTotals {
  calls: number;
  /** Tokens produced: one per row and step. */
  tokens: number;
  wallMs: number;
  cpuMs: number;
}

const zero = (): PhaseTotals => ({ calls: 0, tokens: 0, wallMs: 0, cpuMs: 0 });

export class StepTimer {
  prefill = zero();
  decode = zero();
  private readonly original: LlamaSession["forward"];

  constructor(private readonly session: LlamaSession) {
    this.original = session.forward;
    const original = this.original.bind(session);
    session.forward = async (step: ForwardStep) => {
      const isDecode = step.cache.length > 0 && step.tokens.every((t) => t.length === 1);
      const wall = performance.now();
      const cpu = process.cpuUsage();
      const result = await original(step);
      const used = process.cpuUsage(cpu);
      const phase = isDecode ? this.decode : this.prefill;
      phase.calls += 1;
      phase.tokens += step.tokens.length;
      phase.wallMs += performance.now() - wall;
      phase.cpuMs += (used.user + used.system) / 1000;
      return result;
    };
  }

  reset(): void {
    this.prefill = zero();
    this.decode = zero();
  }

  /** Decode tokens per CPU-second. */
  decodeRate(): number {
    return this.decode.tokens / (this.decode.cpuMs / 1000);
  }

  restore(): void {
    this.session.forward = this.original;
  }
}
