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

/**
 * Generated code outside the package (a user's folder) imports packages the runtime depends on (ajv's
 * runtime helpers): resolve those from the package, which has them, not from the user's node_modules,
 * which may have none or another version.
 */
function packagesFromRoot(root: string, generatedDir: string): Plugin {
  const inside = (dir: string) => !path.relative(root, dir).startsWith("..");
  return {
    name: "switchyard-packages",
    setup(bundle) {
      if (inside(generatedDir)) return;
      bundle.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData === "from-root" || !args.importer.startsWith(generatedDir + path.sep)) return undefined;
        const resolved = await bundle.resolve(args.path, { kind: args.kind, resolveDir: root, pluginData: "from-root" });
        return resolved.errors.length ? { errors: resolved.errors } : resolved;
      });
    },
  };
}

/** `generatedDir` (holding main.ts) and `distDir` are absolute; `root` is the package. Returns the bundle's path. */
export async function bundleEnvironment(root: string, generatedDir: string, distDir: string, dashboard = true): Promise<string> {
  const outfile = path.join(distDir, "server.mjs");
  // Written beside the bundle and renamed over it: a gateway reloading on a change of the file
  // (switchyard serve, runtime/cluster/supervisor.ts) never starts a half-written bundle.
  const written = path.join(distDir, `.server.${process.pid}.tmp.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [path.join(generatedDir, "main.ts")],
    outfile: written,
    // The package's compiler settings for every file, generated ones included: a user's own tsconfig.json
    // next to routes.yaml is for their code, not ours.
    tsconfig: path.join(root, "tsconfig.json"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: ["uWebSockets.js", "better-sqlite3", "pg-native"],
    legalComments: "none",
    logLevel: "silent",
    plugins: [embedDashboard(root, dashboard), packagesFromRoot(root, generatedDir)],
    // Bundled CommonJS dependencies (undici) call require() for Node built-ins; give ESM a real one.
    banner: { js: 'import { createRequire as __switchyardRequire } from "node:module";\nconst require = __switchyardRequire(import.meta.url);' },
  });
  renameSync(written, outfile);
  return outfile;
}
