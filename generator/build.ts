// The build pipeline behind `switchyard check` and `switchyard build`:
//   routes.yaml → loadConfig (parse, validate, resolve the environment) → compile scenario files →
//   emit generated/<env>/ and generated/types/ → type-check with the runtime → write → bundle dist/<env>/.
// `check` stops before writing anything. Two places are involved: the package (`root`: runtime/, schema/,
// tsconfig.json, wherever npm installed it) and the user's project (`outDir`: generated/ and dist/, next
// to their routes.yaml). Generated modules import the runtime by a relative path from outDir to root, so
// the same files type-check and bundle whether the package is the project or sits in its node_modules.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CompiledScenario } from "../runtime/scenario/types.ts";
import type { ConfigIR, ScenarioProviderIR } from "./ir.ts";
import { formatDiagnostics, type Diagnostic } from "./diagnostics.ts";
import { loadConfig } from "./load.ts";
import { compileScenario } from "./scenario.ts";
import { generateEnvironment, generateProviderTypes, type GeneratedFile } from "./generate.ts";
import { typecheckGenerated } from "./typecheck.ts";
import { bundleEnvironment } from "./bundle.ts";

export interface BuildOptions {
  /** The package's root (where runtime/, schema/ and tsconfig.json are). */
  root: string;
  /** Absolute folder that receives generated/ and dist/: the config's folder, or `--out DIR`. */
  outDir: string;
  /** Config file path as the user typed it (shown in diagnostics), relative to the current directory. */
  configFile: string;
  env: string;
  /** Relative to outDir; default generated/<env> and dist/<env>. */
  generatedDir?: string;
  distDir?: string;
  /** false: validate and type-check only (`switchyard check`). */
  write: boolean;
  /** A target without a price fails the build (`--strict-prices`) instead of warning. */
  strictPrices?: boolean;
  /** The date whose dataset prices apply; default: SOURCE_DATE_EPOCH, else now. */
  pricesAt?: Date;
  /** Told as each stage starts and ends (the CLI prints them: the type-check alone takes seconds). */
  progress?: BuildProgress;
  /**
   * false skips the type-check stage (default true). Only for the test suite's fixture bundles, which
   * test/generator/fixtures-typecheck.test.ts type-checks together in one program instead of one each.
   */
  typeCheck?: boolean;
}

/** "bundle" includes writing generated/ (build only; check stops after the type-check). */
export type BuildStage = "load" | "validate" | "emit" | "type-check" | "bundle";

export interface BuildProgress {
  start(stage: BuildStage): void;
  /** `detail` says what the stage produced, e.g. "7 routes" or "dist/dev/server.mjs". */
  end(stage: BuildStage, ms: number, detail: string): void;
}

export interface BuildResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Diagnostics rendered with source excerpts, ready to print. */
  report: string;
  ir: ConfigIR | null;
  files: GeneratedFile[];
  bundlePath: string | null;
}

function render(diagnostics: Diagnostic[], sources: Map<string, string>): string {
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  return [...byFile].map(([file, list]) => formatDiagnostics(list, sources.get(file) ?? "")).join("\n");
}

function compileScenarios(options: BuildOptions, ir: ConfigIR, sources: Map<string, string>) {
  const scenarios = new Map<string, CompiledScenario>();
  const diagnostics: Diagnostic[] = [];
  const configDir = path.dirname(path.resolve(options.configFile));
  for (const provider of ir.providers.filter((p): p is ScenarioProviderIR => p.kind === "scenario")) {
    const absolute = path.resolve(configDir, provider.file);
    const shown = path.relative(process.cwd(), absolute) || provider.file;
    if (!existsSync(absolute)) {
      diagnostics.push({ ...provider.pos, code: "scenario-error", pointer: `/providers/${provider.name}/file`, message: `scenario file ${JSON.stringify(provider.file)} does not exist (looked for ${shown})`, severity: "error" });
      continue;
    }
    const text = readFileSync(absolute, "utf8");
    sources.set(shown, text);
    const compiled = compileScenario(shown, text, { source: provider.file });
    diagnostics.push(...compiled.diagnostics);
    if (compiled.scenario) scenarios.set(provider.name, compiled.scenario);
  }
  return { scenarios, diagnostics };
}

/** Replaces the contents of `dir` with `files` (all under dir, paths relative to root), deleting files no longer produced. */
function writeTree(root: string, dir: string, files: GeneratedFile[]): void {
  const absoluteDir = path.join(root, dir);
  if (existsSync(absoluteDir)) {
    const wanted = new Set(files.map((f) => path.join(root, f.path)));
    for (const entry of readdirSync(absoluteDir, { recursive: true, withFileTypes: true })) {
      const full = path.join(entry.parentPath, entry.name);
      if (entry.isFile() && !wanted.has(full)) rmSync(full);
    }
  }
  for (const file of files) {
    const absolute = path.join(root, file.path);
    mkdirSync(path.dirname(absolute), { recursive: true });
    const current = existsSync(absolute) ? readFileSync(absolute, "utf8") : null;
    if (current !== file.content) writeFileSync(absolute, file.content);
  }
}

export async function buildConfig(options: BuildOptions): Promise<BuildResult> {
  const generatedDir = options.generatedDir ?? `generated/${options.env}`;
  const distDir = options.distDir ?? `dist/${options.env}`;
  const sources = new Map<string, string>();
  const progress = options.progress;
  let stageStarted = performance.now();
  const stage = (name: BuildStage) => {
    stageStarted = performance.now();
    progress?.start(name);
  };
  const done = (name: BuildStage, detail: string) => progress?.end(name, performance.now() - stageStarted, detail);
  const fail = (diagnostics: Diagnostic[], ir: ConfigIR | null = null): BuildResult => ({
    ok: false,
    diagnostics,
    report: render(diagnostics, sources),
    ir,
    files: [],
    bundlePath: null,
  });

  stage("load");
  let text: string;
  try {
    text = readFileSync(path.resolve(options.configFile), "utf8");
  } catch (error) {
    done("load", "failed");
    return fail([{ file: options.configFile, line: 1, col: 1, code: "parse-error", pointer: "", message: `cannot read ${options.configFile}: ${(error as Error).message}`, severity: "error" }]);
  }
  sources.set(options.configFile, text);
  done("load", `${options.configFile} (${text.split("\n").length} lines)`);

  stage("validate");
  const loaded = loadConfig(options.configFile, {
    env: options.env,
    text,
    ...(options.strictPrices ? { strictPrices: true } : {}),
    ...(options.pricesAt ? { pricesAt: options.pricesAt } : {}),
  });
  const warnings = loaded.diagnostics.filter((d) => d.severity === "warning");
  if (!loaded.ir) {
    done("validate", count(loaded.diagnostics.filter((d) => d.severity === "error").length, "error"));
    return fail(loaded.diagnostics);
  }
  const ir = loaded.ir;

  const scenarios = compileScenarios(options, ir, sources);
  const scenarioErrors = scenarios.diagnostics.filter((d) => d.severity === "error");
  warnings.push(...scenarios.diagnostics.filter((d) => d.severity === "warning"));
  if (scenarioErrors.length) {
    done("validate", count(scenarioErrors.length, "error"));
    return fail([...warnings, ...scenarioErrors], ir);
  }
  done("validate", `env ${ir.env}: ${count(ir.routes.length, "route")}, ${count(ir.providers.length, "provider")}${warnings.length ? `, ${count(warnings.length, "warning")}` : ""}`);

  stage("emit");
  const schemaDir = path.join(options.root, "schema/providers");
  const runtimeDir = path.relative(options.outDir, path.join(options.root, "runtime")).split(path.sep).join("/");
  const files = [
    ...(await generateProviderTypes(schemaDir)),
    ...generateEnvironment(ir, { outDir: generatedDir, runtimeDir, outRoot: options.outDir.split(path.sep).join("/"), scenarios: scenarios.scenarios, schemaDir }),
  ];
  done("emit", count(files.length, "file"));

  for (const file of files) sources.set(file.path, file.content);
  if (options.typeCheck !== false) {
    stage("type-check");
    const typeErrors = typecheckGenerated(options.root, files, options.outDir);
    done("type-check", typeErrors.length ? count(typeErrors.length, "error") : "generated code against the runtime's types: ok");
    if (typeErrors.length) return { ...fail([...warnings, ...typeErrors], ir), files };
  }

  let bundlePath: string | null = null;
  if (options.write) {
    stage("bundle");
    writeTree(options.outDir, "generated/types", files.filter((f) => f.path.startsWith("generated/types/")));
    writeTree(options.outDir, generatedDir, files.filter((f) => f.path.startsWith(`${generatedDir}/`)));
    bundlePath = await bundleEnvironment(options.root, path.join(options.outDir, generatedDir), path.join(options.outDir, distDir), ir.dashboard.enabled);
    done("bundle", `${path.relative(process.cwd(), bundlePath)} (${(statSync(bundlePath).size / 1e6).toFixed(1)} MB)`);
  }
  return { ok: true, diagnostics: warnings, report: warnings.length ? render(warnings, sources) : "", ir, files, bundlePath };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
