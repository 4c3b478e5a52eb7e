import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Generating the model and starting the inference node processes.
    hookTimeout: 60_000,
  },
});
