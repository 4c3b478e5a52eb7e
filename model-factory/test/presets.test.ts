import { describe, expect, it } from "vitest";
import { createJobSchema } from "../src/service/jobs.js";
import {
  defaultPresetFor,
  hyperparameterOverridesSchema,
  MEMORIZE_PASSES,
  PRESET_NAMES,
  resolveHyperparameters,
} from "../src/train/hyperparameters.js";

const access = [
  {
    request: {
      account: `0x${"11".repeat(20)}`,
      datanetId: "1",
      nonce: `0x${"22".repeat(32)}`,
      expiresAt: "9999999999",
    },
    signature: "0x1234",
  },
];
const job = (extra: object) => ({
  baseModel: "llama-tiny",
  datanets: [{ datanetId: "1", contributionIds: ["1"] }],
  access,
  ...extra,
});

describe("presets", () => {
  it("memorize sees every example 250 times on all seven projections, without a held-out split", () => {
    const hp = resolveHyperparameters({}, "memorize");
    expect(hp).toMatchObject({
      rank: 16,
      alpha: 16,
      learningRate: 1e-2,
      batchSize: 8,
      epochs: MEMORIZE_PASSES,
      evalFraction: 0,
      earlyStoppingPatience: 0,
    });
    expect(hp.maxSteps).toBeUndefined();
    expect(hp.targets).toHaveLength(7);
  });

  it("explicit fields override the preset; the rest keep the preset's values", () => {
    const hp = resolveHyperparameters({ rank: 4, maxSteps: 30 }, "memorize");
    expect(hp).toMatchObject({ rank: 4, maxSteps: 30, alpha: 16, learningRate: 1e-2 });
    expect(resolveHyperparameters({}, "standard")).toEqual(resolveHyperparameters());
    expect(resolveHyperparameters({}, "quick").maxSteps).toBe(20);
  });

  it("every preset resolves to valid settings", () => {
    for (const name of PRESET_NAMES) expect(() => resolveHyperparameters({}, name)).not.toThrow();
  });

  it("question/answer data gets memorize, plain text standard", () => {
    expect(defaultPresetFor([{ prompt: "What is ATP?" }, { prompt: "Why?" }])).toBe("memorize");
    expect(defaultPresetFor([{ prompt: "What is ATP?" }, { prompt: "" }])).toBe("standard");
    expect(defaultPresetFor([])).toBe("standard");
  });

  it("overrides are validated with no defaults filled in", () => {
    expect(hyperparameterOverridesSchema.parse({ rank: 4 })).toEqual({ rank: 4 });
    const bad = hyperparameterOverridesSchema.safeParse({ rank: 0, targets: ["q_proj", "q_proj"], nope: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join(".") || i.code).sort()).toEqual([
      "rank",
      "targets",
      "unrecognized_keys",
    ]);
  });

  it("the job body takes a preset and explicit fields, and refuses unknown presets", () => {
    const parsed = createJobSchema.parse(job({ preset: "quick", hyperparameters: { rank: 2 } }));
    expect(parsed.preset).toBe("quick");
    expect(parsed.hyperparameters).toEqual({ rank: 2 });
    expect(createJobSchema.parse(job({})).preset).toBeUndefined();
    const unknown = createJobSchema.safeParse(job({ preset: "huge" }));
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(["preset"]);
  });
});
