// Golden files of the generated code: each test/golden/<case>/routes.yaml is compiled in memory and every
// emitted file is compared with test/golden/<case>/__generated__/ (and, for the prod overlay case, also
// __generated__prod/). `make golden` (SWITCHYARD_UPDATE_GOLDEN=1) rewrites them and deletes stale ones; CI
// never writes. Goldens are generated for their own location, so they type-check in place.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import { compileScenario } from "../../generator/scenario.ts";
import { generateEnvironment, generateProviderTypes, type GeneratedFile } from "../../generator/generate.ts";
import { typecheckGenerated } from "../../generator/typecheck.ts";
import type { CompiledScenario } from "../../runtime/scenario/types.ts";
import { root } from "../support/gateway.ts";

const UPDATE = process.env.SWITCHYARD_UPDATE_GOLDEN === "1" && process.env.CI !== "true";
const goldenDir = path.join(root, "test/golden");
/** Dataset prices are those in force on this date, so a dated price change cannot flip a golden on its own. */
const PRICES_AT = new Date("2026-12-01T00:00:00Z");
/** ajv's standalone output is pinned by schema/providers and ajv's version, not by routes.yaml. */
const NOT_GOLDEN = new Set(["request-validators.js"]);

const cases: Array<{ name: string; env: string; outDir: string }> = readdirSync(goldenDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(goldenDir, d.name, "routes.yaml")))
  .flatMap((d) => {
    const envs = ["dev", ...(d.name === "fallback-globs-envs" ? ["prod"] : [])];
    return envs.map((env) => ({ name: d.name, env, outDir: `test/golden/${d.name}/__generated__${env === "dev" ? "" : env}` }));
  });

function generateCase(name: string, env: string, outDir: string): GeneratedFile[] {
  const configFile = `test/golden/${name}/routes.yaml`;
  const loaded = loadConfig(configFile, { env, text: readFileSync(path.join(root, configFile), "utf8"), pricesAt: PRICES_AT });
  if (!loaded.ir) throw new Error(`fixture ${configFile} does not load: ${JSON.stringify(loaded.diagnostics)}`);
  const scenarios = new Map<string, CompiledScenario>();
  for (const p of loaded.ir.providers) {
    if (p.kind !== "scenario") continue;
    const file = path.join(root, path.dirname(configFile), p.file);
    scenarios.set(p.name, compileScenario(p.file, readFileSync(file, "utf8")).scenario!);
  }
  return generateEnvironment(loaded.ir, { outDir, scenarios, schemaDir: path.join(root, "schema/providers") });
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .sort();
}

const allGenerated: GeneratedFile[] = [];

describe.each(cases)("golden $name ($env)", ({ name, env, outDir }) => {
  const files = generateCase(name, env, outDir).filter((f) => !NOT_GOLDEN.has(path.posix.basename(f.path)));
  allGenerated.push(...generateCase(name, env, outDir));
  const dir = path.join(root, outDir);

  if (UPDATE) {
    rmSync(dir, { recursive: true, force: true });
    for (const file of files) {
      mkdirSync(path.dirname(path.join(root, file.path)), { recursive: true });
      writeFileSync(path.join(root, file.path), file.content);
    }
  }

  it("produces exactly the golden set of files", () => {
    expect(files.map((f) => path.posix.relative(outDir, f.path)).sort()).toEqual(listFiles(dir));
  });

  it.each(files.map((f) => [path.posix.relative(outDir, f.path), f] as const))("%s matches its golden", (_, file) => {
    expect(file.content).toBe(readFileSync(path.join(root, file.path), "utf8"));
  });
});

describe("goldens", () => {
  it("type-check together with the runtime", async () => {
    const types = await generateProviderTypes(path.join(root, "schema/providers"));
    const diagnostics = typecheckGenerated(root, [...types, ...allGenerated]);
    expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
    // One ts-morph program over every golden (each route module now binds its Responses translators too):
    // tens of seconds on a loaded 2-core machine.
  }, 120_000);
});
