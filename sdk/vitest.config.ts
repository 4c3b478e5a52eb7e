import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/globalSetup.ts"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // Files share one anvil and revert it to a snapshot when done, so they run one at a time.
    fileParallelism: false,
  },
});
