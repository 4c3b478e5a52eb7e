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
      .refine((t) => new Set(t).size === t.length, "target modules must be unique")
      .default(["q_proj", "k_proj", "v_proj", "o_proj"]),
    useRslora: z.boolean().default(false),
    learningRate: z.number().positive().max(1).default(3e-3),
    weightDecay: z.number().min(0).max(1).default(0.01),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-8),
    maxGradNorm: z.number().positive().default(1),
    warmupSteps: z.number().int().min(0).default(10),
    minLearningRateRatio: z.number().min(0).max(1).default(0.1),
    /** Passes over the training split; memorizing facts takes hundreds. */
    epochs: z.number().positive().max(1000).default(1),
    /** Overrides `epochs` when set. */
    maxSteps: z.number().int().positive().optional(),
    batchSize: z.number().int().min(1).max(256).default(8),
    gradientAccumulation: z.number().int().min(1).max(64).default(1),
    /** Longest example in tokens; the base model's position count caps it. */
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

export type HyperparameterOverrides = Partial<Hyperparameters>;

/** Explicit fields of a request: validated like the full set, with no defaults filled in. */
export const hyperparameterOverridesSchema = z
  .object(
    Object.fromEntries(
      Object.entries(hyperparametersSchema.shape).map(([key, field]) => [
        key,
        (field instanceof z.ZodDefault ? field.unwrap() : field).optional(),
      ]),
    ),
  )
  .strict() as unknown as z.ZodType<HyperparameterOverrides>;

export const PRESET_NAMES = ["memorize", "quick", "standard"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** Times a memorize run shows the model each training example. */
export const MEMORIZE_PASSES = 250;

export interface Preset {
  description: string;
  hyperparameters: HyperparametersInput;
}

/**
 * Named starting points; explicit fields override them. `memorize` is sized from measurements on
 * the demo base (see the README): 250 passes over 16 short facts reproduce 16/16 answers greedily.
 */
export const PRESETS: Record<PresetName, Preset> = {
  memorize: {
    description:
      "Learn every question/answer pair by heart, so the model quotes its data (and span attribution credits it): rank 16 on all seven projections, lr 1e-2, each example seen 250 times, no held-out split and no early stopping.",
    hyperparameters: {
      rank: 16,
      alpha: 16,
      targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
      learningRate: 1e-2,
      batchSize: 8,
      warmupSteps: 10,
      epochs: MEMORIZE_PASSES,
      maxLength: 256,
      evalFraction: 0,
      earlyStoppingPatience: 0,
      checkpointEvery: 50,
    },
  },
  quick: {
    description:
      "A smoke run of 20 steps (rank 4 on q/k/v/o, lr 1e-2) to check data, wiring and the adapter's path to the inference node in seconds; it learns little.",
    hyperparameters: {
      rank: 4,
      alpha: 8,
      learningRate: 1e-2,
      warmupSteps: 2,
      maxSteps: 20,
      batchSize: 8,
      evalFraction: 0.1,
      evalEvery: 10,
      earlyStoppingPatience: 0,
      checkpointEvery: 10,
    },
  },
  standard: {
    description:
      "The plain defaults (rank 8 on q/k/v/o, lr 3e-3, one epoch, 10 % held out with early stopping): general adaptation to a larger datanet's style rather than recall of each example.",
    hyperparameters: {},
  },
};

/**
 * The preset a job gets when it names none: `memorize` when every example is a question with an
 * answer (a datanet of facts), `standard` for plain text.
 */
export function defaultPresetFor(examples: readonly { prompt: string }[]): PresetName {
  return examples.length > 0 && examples.every((e) => e.prompt.trim().length > 0) ? "memorize" : "standard";
}

export function resolveHyperparameters(
  input: HyperparametersInput = {},
  preset: PresetName = "standard",
): Hyperparameters {
  return hyperparametersSchema.parse({ ...PRESETS[preset].hyperparameters, ...input });
}
