import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["node_modules/**", "test/.build/**", "test/.clients/**", "test/.node/**", "bench/.work/**"],
    // Two files at a time even on 2 cores (vitest's default would be one): most e2e time is spent waiting on
    // child processes (bundles, mocks, real CLIs), so a second file overlaps those waits.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
