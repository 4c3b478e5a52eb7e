import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Each file starts a whole local network; one at a time on 2-core machines.
    fileParallelism: false,
  },
});
