import { z } from "zod";
import { LORA_TARGETS } from "../base/inferenceNode.js";

/** Fine-tuning settings with the defaults the job API and the web form start from. */
export const hyperparametersSchema = z
  .object({
    rank: z.number().int().min(1).max(256).default(8),
    alpha: z.number().positive().default(16),
    targets: z
      .array(z.enum(LORA_TARGETS))
      .min(1)
      .default(["q_proj", "k_proj", "v_proj", "o_proj"])
      .refine((t) => new Set(t).size === t.length, "target modules must be unique"),
    useRslora: z.boolean().default(false),
    learningRate: z.number().positive().max(1).default(3e-3),
    weightDecay: z.number().min(0).max(1).default(0.01),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    maxGradNorm: z.number().positive().default(1),
    warmupSteps: z.number().int().min(0).default(10),
    minLearningRateRatio: z.number().min(0).max(1).default(0.1),
    epochs: z.number().positive().max(100).default(1),
    /** Overrides `epochs` when set. */
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().min(1).max(256).default(8),
    gradientAccumulation: z.number().int().min(1).max(64).default(1),
    maxLength: z.number().int().min(8).max(4096).default(128),
    evalFraction: z.number().min(0).max(0.5).default(0.1),
    evalEvery: z.number().int().positive().default(25),
    /** Evaluations without improvement before stopping; 0 disables early stopping. */
    earlyStoppingPatience: z.number().int().min(0).default(3),
    earlyStoppingMinDelta: z.number().min(0).default(0.001),
    checkpointEvery: z.number().int().positive().default(25),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    quantization: z.enum(["none", "int8", "int4"]).default("none"),
  })
  .strict();

export type Hyperparameters = z.infer<typeof hyperparametersSchema>;
export type HyperparametersInput = z.input<typeof hyperparametersSchema>;

export function resolveHyperparameters(input: HyperparametersInput = {}): Hyperparameters {
  return hyperparametersSchema.parse(input);
}
