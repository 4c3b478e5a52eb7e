import { ByteTokenizer, EOS_TOKEN } from "../base/inferenceNode.js";
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
