// Bundles generated/<env>/main.ts with the runtime into dist/<env>/server.mjs: one file that runs without
// routes.yaml, schema/ or generator/. Native addons stay external, loaded from node_modules: uWebSockets.js
// and better-sqlite3 (the SQLite store); pg's optional native binding is never used.
import path from "node:path";
import { build } from "esbuild";

export async function bundleEnvironment(root: string, generatedDir: string, distDir: string): Promise<string> {
  const outfile = path.join(root, distDir, "server.mjs");
  await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, generatedDir, "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["uWebSockets.js", "better-sqlite3", "pg-native"],
    legalComments: "none",
    logLevel: "silent",
    // Bundled CommonJS dependencies (undici) call require() for Node built-ins; give ESM a real one.
    banner: { js: 'import { createRequire as __switchyardRequire } from "node:module";\nconst require = __switchyardRequire(import.meta.url);' },
  });
  return outfile;
}
