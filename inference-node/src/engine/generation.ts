export type FinishReason = "stop" | "length" | "abort";

export interface GenerationOutput {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

/**
 * The client's view of one request: `ready` settles once its adapter is resolved (so errors such as
 * an unknown adapter surface before any output), iteration yields text deltas as tokens are
 * produced, and `done` gives the totals.
 */
export class Generation implements AsyncIterable<string> {
  readonly ready: Promise<void>;
  readonly done: Promise<GenerationOutput>;
  private resolveReady!: () => void;
  private rejectReady!: (error: unknown) => void;
  private resolveDone!: (output: GenerationOutput) => void;
  private rejectDone!: (error: unknown) => void;
  private readonly chunks: string[] = [];
  private notify: (() => void) | null = null;
  private finished = false;
  private failure: unknown = null;
  private text = "";

  constructor(
    readonly id: string,
    readonly promptTokens: number,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // Callers may await only one of them; the other must not become an unhandled rejection.
    this.ready.catch(() => {});
    this.done.catch(() => {});
  }

  get isFinished(): boolean {
    return this.finished;
  }

  markReady(): void {
    this.resolveReady();
  }

  push(delta: string): void {
    if (this.finished || delta.length === 0) return;
    this.text += delta;
    this.chunks.push(delta);
    this.wake();
  }

  finish(finishReason: FinishReason, completionTokens: number): void {
    if (this.finished) return;
    this.finished = true;
    this.resolveReady();
    this.resolveDone({ text: this.text, finishReason, promptTokens: this.promptTokens, completionTokens });
    this.wake();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = error;
    this.rejectReady(error);
    this.rejectDone(error);
    this.wake();
  }

  private wake(): void {
    const notify = this.notify;
    this.notify = null;
    notify?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    while (true) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.finished) {
        if (this.failure) throw this.failure;
        return;
      }
      await new Promise<void>((resolve) => {
        this.notify = resolve;
      });
    }
  }
}
