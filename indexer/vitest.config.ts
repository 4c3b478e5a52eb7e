import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // anvil, the deployment and `ponder start` for the file.
    hookTimeout: 240_000,
  },
});
