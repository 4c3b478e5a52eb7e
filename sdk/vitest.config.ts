import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // Test files share the forge build; running them one after another keeps 2-core machines responsive.
    fileParallelism: false,
  },
});
