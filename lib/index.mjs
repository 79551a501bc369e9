// `import { createGateway } from "switchyard"`: a gateway opened inside another program. Plain JavaScript, so
// the package needs no compile step: the gateway itself is a built bundle (dist/<env>/server.mjs) whose
// main.ts exports openEmbedded (runtime/library/), and only building a routes.yaml loads the TypeScript
// generator, through tsx's scoped loader (tsImport), which leaves the host program's own imports alone.
// Types: ./index.d.ts. Guide: docs/library.md.
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package: runtime/, generator/, schema/ and tsconfig.json. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** runtime/library/entry.ts's EMBED_PARAMETER: an import with it opens nothing by itself. */
const EMBED_PARAMETER = "switchyard-embed";

/**
 * Gateways imported so far: each import of a bundle gets its own URL, so its own module instance, and two
 * gateways (even of the same bundle) share no metrics registry, key cache, secret list or timer.
 */
let imports = 0;

/**
 * runtime/library/entry.ts's EMBEDDING: imports in progress, counted where the bundle looks too. A loader that
 * drops the URL's query (a bundler's or test runner's own import()) must still not have the bundle start
 * serving as a program inside this one.
 */
const EMBEDDING = Symbol.for("switchyard.embedding");

async function importEmbedded(href) {
  globalThis[EMBEDDING] = (globalThis[EMBEDDING] ?? 0) + 1;
  try {
    return await import(href);
  } finally {
    globalThis[EMBEDDING] -= 1;
  }
}

/**
 * The node_modules holding the package's dependencies: a bundle built outside the package finds its native
 * addons (uWebSockets.js, better-sqlite3) through a link to it, and the type-check its packages.
 */
function dependencies() {
  const require = createRequire(path.join(root, "package.json"));
  return path.dirname(path.dirname(require.resolve("uWebSockets.js/package.json")));
}

/**
 * Builds `config` as `switchyard build` does (same stages, same diagnostics) into `outDir`, or into a
 * temporary folder removed when the gateway closes.
 */
async function build(config, options) {
  const absolute = path.resolve(config);
  if (!existsSync(absolute)) throw new Error(`createGateway: ${config} does not exist (looked for ${absolute})`);
  // As the CLI shows it: relative to the working directory, so diagnostics read routes.yaml:LINE:COL.
  const configFile = path.relative(process.cwd(), absolute) || absolute;
  let outDir;
  let remove = () => {};
  if (options.outDir !== undefined) outDir = path.resolve(options.outDir);
  else {
    outDir = mkdtempSync(path.join(tmpdir(), "switchyard-gateway-"));
    symlinkSync(dependencies(), path.join(outDir, "node_modules"), "dir");
    remove = () => rmSync(outDir, { recursive: true, force: true });
  }
  try {
    const { tsImport } = await import("tsx/esm/api");
    const { buildConfig } = await tsImport("../generator/build.ts", import.meta.url);
    const result = await buildConfig({ root, outDir, configFile, env: options.env ?? "dev", write: true });
    if (!result.ok) {
      const error = new Error(`createGateway: ${configFile} does not build:\n${result.report}`);
      error.diagnostics = result.diagnostics;
      throw error;
    }
    return { bundle: result.bundlePath, warnings: result.report, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** @type {import("./index.d.ts").createGateway} */
export async function createGateway(options) {
  if (options === null || typeof options !== "object") throw new TypeError("createGateway: give { config: 'routes.yaml' } or { bundle: 'dist/<env>/server.mjs' }");
  const { config, bundle } = options;
  if ((config === undefined) === (bundle === undefined)) throw new TypeError("createGateway: give either config (a routes.yaml to build) or bundle (a built dist/<env>/server.mjs), not both");
  if (bundle !== undefined && options.env !== undefined) throw new TypeError("createGateway: env chooses which environment of a config to build; a bundle was built for one already");
  // Provider keys and SWITCHYARD_* settings: the process's, with the caller's on top; process.env is not touched.
  const environment = { ...process.env, ...options.environment };
  const built = config !== undefined ? await build(config, options) : null;
  const file = built !== null ? built.bundle : path.resolve(bundle);
  try {
    if (!existsSync(file)) throw new Error(`createGateway: ${bundle} does not exist: \`switchyard build\` writes dist/<env>/server.mjs`);
    const url = pathToFileURL(file);
    url.searchParams.set(EMBED_PARAMETER, String(++imports));
    const module = await importEmbedded(url.href);
    if (typeof module.openEmbedded !== "function") throw new Error(`createGateway: ${file} cannot be opened in-process: it was built by an older switchyard; build it again`);
    const gateway = await module.openEmbedded(environment);
    if (built === null) return { ...gateway, warnings: "" };
    return {
      ...gateway,
      warnings: built.warnings,
      async close() {
        try {
          await gateway.close();
        } finally {
          built.remove();
        }
      },
    };
  } catch (error) {
    built?.remove();
    throw error;
  }
}
