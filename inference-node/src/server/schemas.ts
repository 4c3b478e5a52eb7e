import { z } from "zod";
import { MAX_MERGE_WEIGHT } from "../adapters/lora.js";

const sampling = {
  model: z.string().min(1).max(256),
  max_tokens: z.number().int().min(1).optional(),
  temperature: z.number().min(0).max(2).default(1),
  top_p: z.number().gt(0).max(1).default(1),
  /** Extension (as in vLLM / LoRAX): keep only the k most likely tokens; 0 disables. */
  top_k: z.number().int().min(0).default(0),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  stop: z
    .union([z.string().min(1), z.array(z.string().min(1)).max(4)])
    .optional()
    .transform((s) => (s === undefined ? [] : typeof s === "string" ? [s] : s)),
  stream: z.boolean().default(false),
  n: z.literal(1).optional(),
  /** Extension (as in LoRAX): serve a weighted linear merge of several adapters. */
  merged_adapters: z
    .object({
      ids: z.array(z.string().min(1)).min(1).max(8),
      weights: z.array(z.number().finite().min(-MAX_MERGE_WEIGHT).max(MAX_MERGE_WEIGHT)).min(1).max(8),
      merge_strategy: z.literal("linear").default("linear"),
    })
    .refine((m) => m.ids.length === m.weights.length, {
      message: "ids and weights must have the same length",
    })
    .optional(),
};

export const completionRequestSchema = z.object({
  ...sampling,
  prompt: z.union([
    z.string(),
    z
      .array(z.string())
      .length(1)
      .transform((p) => p[0] as string),
  ]),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export const chatCompletionRequestSchema = z.object({
  ...sampling,
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }))
    .min(1)
    .max(256),
});
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** `POST /tokenize` (vLLM's shape): a chat's messages, as the chat endpoint templates them, or a plain prompt. */
export const tokenizeRequestSchema = z.union([
  z.object({ model: z.string().optional(), messages: chatCompletionRequestSchema.shape.messages }),
  z.object({ model: z.string().optional(), prompt: z.string() }),
]);
