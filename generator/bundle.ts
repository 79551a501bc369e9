// Bundles generated/<env>/main.ts with the runtime into dist/<env>/server.mjs: one file that runs without
// routes.yaml, schema/ or generator/. Native addons stay external, loaded from node_modules: uWebSockets.js
// and better-sqlite3 (the SQLite store); pg's optional native binding is never used.
// The dashboard's page is built here too and goes inside the bundle (see embedDashboard).
import { renameSync } from "node:fs";
import path from "node:path";
import { build, type Plugin } from "esbuild";
import { buildDashboard } from "./dashboard.ts";

/**
 * Swaps runtime/endpoints/dashboard-assets.ts, which has no files when the runtime runs from source, for
 * one holding the built page: the bundle then serves it from memory. `false` (dashboard.enabled: false)
 * leaves the empty module, and the page out of the bundle.
 */
function embedDashboard(root: string, enabled: boolean): Plugin {
  const module = path.join(root, "runtime/endpoints/dashboard-assets.ts");
  return {
    name: "switchyard-dashboard",
    setup(bundle) {
      if (!enabled) return;
      bundle.onLoad({ filter: /[\\/]dashboard-assets\.ts$/ }, async (args) => {
        if (args.path !== module) return undefined;
        return { contents: `export const DASHBOARD_ASSETS = ${JSON.stringify(await buildDashboard(root))};\n`, loader: "js" };
      });
    },
  };
}

export async function bundleEnvironment(root: string, generatedDir: string, distDir: string, dashboard = true): Promise<string> {
  const outfile = path.join(root, distDir, "server.mjs");
  // Written beside the bundle and renamed over it: a gateway reloading on a change of the file
  // (switchyard serve, runtime/cluster/supervisor.ts) never starts a half-written bundle.
  const written = path.join(root, distDir, `.server.${process.pid}.tmp.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, generatedDir, "main.ts")],
    outfile: written,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["uWebSockets.js", "better-sqlite3", "pg-native"],
    legalComments: "none",
    logLevel: "silent",
    plugins: [embedDashboard(root, dashboard)],
    // Bundled CommonJS dependencies (undici) call require() for Node built-ins; give ESM a real one.
    banner: { js: 'import { createRequire as __switchyardRequire } from "node:module";\nconst require = __switchyardRequire(import.meta.url);' },
  });
  renameSync(written, outfile);
  return outfile;
}
