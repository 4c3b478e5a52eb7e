import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Generous: the node processes share the machine's cores with whatever else runs.
    testTimeout: 120_000,
    // Generating the model and starting the inference node processes.
    hookTimeout: 120_000,
  },
});
