import { ByteTokenizer, EOS_TOKEN, PAD_TOKEN } from "../base/inferenceNode.js";
import { tf } from "./backend.js";
import type { LoraLlama } from "./loraLlama.js";

const tokenizer = new ByteTokenizer();

/**
 * Greedy answer of the model to a user message, prompted with the node's chat template. Recomputes
 * the whole sequence per token (no KV cache): meant for side-by-side previews on small models.
 */
export function greedyAnswer(model: LoraLlama, prompt: string, maxTokens = 64): string {
  const tokens = tokenizer.encode(tokenizer.applyChatTemplate([{ role: "user", content: prompt }]));
  const limit = Math.min(model.llama.maxPositions, tokens.length + maxTokens);
  const generated: number[] = [];
  while (tokens.length < limit) {
    const next = tf.tidy(() => {
      const logits = model.logits(Int32Array.from(tokens), 1, tokens.length);
      const last = tf.slice(logits, [tokens.length - 1, 0], [1, -1]);
      return (tf.argMax(last, 1).dataSync() as Int32Array)[0] as number;
    });
    if (next === EOS_TOKEN) break;
    tokens.push(next);
    generated.push(next);
  }
  return tokenizer.decode(generated);
}

/**
 * Greedy answers to many user messages, one forward pass per generated token for the whole batch
 * (right-padded: a row's next token is read at its own last position). Same answers as
 * {@link greedyAnswer}, row by row.
 */
export function greedyAnswers(model: LoraLlama, prompts: readonly string[], maxTokens = 64): string[] {
  const rows = prompts.map((prompt) => ({
    tokens: tokenizer.encode(tokenizer.applyChatTemplate([{ role: "user", content: prompt }])),
    generated: [] as number[],
    done: false,
  }));
  for (const row of rows) row.done = row.tokens.length >= model.llama.maxPositions;
  for (let step = 0; step < maxTokens; step++) {
    const active = rows.filter((r) => !r.done);
    if (active.length === 0) break;
    const length = Math.max(...active.map((r) => r.tokens.length));
    const ids = new Int32Array(active.length * length).fill(PAD_TOKEN);
    active.forEach((r, i) => {
      ids.set(r.tokens, i * length);
    });
    const next = tf.tidy(() => {
      const logits = model.logits(ids, active.length, length);
      const last = tf.gather(
        logits,
        Int32Array.from(active, (r, i) => i * length + r.tokens.length - 1),
      );
      return tf.argMax(last, 1).dataSync() as Int32Array;
    });
    active.forEach((r, i) => {
      const token = next[i] as number;
      if (token === EOS_TOKEN) {
        r.done = true;
        return;
      }
      r.tokens.push(token);
      r.generated.push(token);
      if (r.tokens.length >= model.llama.maxPositions) r.done = true;
    });
  }
  return rows.map((r) => tokenizer.decode(r.generated));
}
