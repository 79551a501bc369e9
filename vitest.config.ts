import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["node_modules/**", "test/.build/**", "test/.clients/**", "bench/.work/**"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
