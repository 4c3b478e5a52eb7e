import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // anvil, the deployment and `ponder start` for the file.
    hookTimeout: 240_000,
    // The same tests on both databases Ponder supports; the Postgres run starts its own cluster.
    // Both runs mostly wait (Ponder's start, the chain), so they run side by side.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "pglite", env: { INDEXER_TEST_DATABASE: "pglite" } } },
      { extends: true, test: { name: "postgres", env: { INDEXER_TEST_DATABASE: "postgres" } } },
    ],
  },
});
