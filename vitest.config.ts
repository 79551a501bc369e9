import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["node_modules/**", "test/.build/**", "test/.clients/**", "test/.node/**", "bench/.work/**"],
    // Two files at a time even on 2 cores (vitest's default would be one): most e2e time is spent waiting on
    // child processes (bundles, mocks, real CLIs), so a second file overlaps those waits.
    maxWorkers: 2,
    testTimeout: 30_000,
    // `import { createGateway } from "switchyard"` runs as Node runs it: its import() of a bundle is Node's,
    // which keeps the URL's query (one module instance per gateway), not vitest's transform of 3 MB of bundle.
    server: { deps: { external: [/\/lib\/index\.mjs$/] } },
    hookTimeout: 120_000,
  },
});
