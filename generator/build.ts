// The build pipeline behind `switchyard check` and `switchyard build`:
//   routes.yaml → loadConfig (parse, validate, resolve the environment) → compile scenario files →
//   emit generated/<env>/ and generated/types/ → type-check with the runtime → write → bundle dist/<env>/.
// `check` stops before writing anything.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
  /** Project root (where runtime/, schema/ and tsconfig.json are). */
  root: string;
  /** Config file path as the user typed it (shown in diagnostics). */
  configFile: string;
  env: string;
  /** Relative to root; default generated/<env> and dist/<env>. */
  generatedDir?: string;
  distDir?: string;
  /** false: validate and type-check only (`switchyard check`). */
  write: boolean;
  /** A target without a price fails the build (`--strict-prices`) instead of warning. */
  strictPrices?: boolean;
  /** The date whose dataset prices apply; default: SOURCE_DATE_EPOCH, else now. */
  pricesAt?: Date;
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
  const configDir = path.dirname(path.resolve(options.root, options.configFile));
  for (const provider of ir.providers.filter((p): p is ScenarioProviderIR => p.kind === "scenario")) {
    const absolute = path.resolve(configDir, provider.file);
    const shown = path.relative(process.cwd(), absolute) || provider.file;
    if (!existsSync(absolute)) {
      diagnostics.push({ ...provider.pos, code: "scenario-error", pointer: `/providers/${provider.name}/file`, message: `scenario file ${JSON.stringify(provider.file)} does not exist (looked for ${shown})`, severity: "error" });
      continue;
    }
    const text = readFileSync(absolute, "utf8");
    sources.set(shown, text);
    const compiled = compileScenario(shown, text);
    diagnostics.push(...compiled.diagnostics);
    if (compiled.scenario) scenarios.set(provider.name, compiled.scenario);
  }
  return { scenarios, diagnostics };
}

/** Replaces the contents of `dir` with `files` (all under dir), deleting files no longer produced. */
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
  const fail = (diagnostics: Diagnostic[], ir: ConfigIR | null = null): BuildResult => ({
    ok: false,
    diagnostics,
    report: render(diagnostics, sources),
    ir,
    files: [],
    bundlePath: null,
  });

  let text: string;
  try {
    text = readFileSync(path.resolve(options.root, options.configFile), "utf8");
  } catch (error) {
    return fail([{ file: options.configFile, line: 1, col: 1, code: "parse-error", pointer: "", message: `cannot read ${options.configFile}: ${(error as Error).message}`, severity: "error" }]);
  }
  sources.set(options.configFile, text);
  const loaded = loadConfig(options.configFile, {
    env: options.env,
    text,
    ...(options.strictPrices ? { strictPrices: true } : {}),
    ...(options.pricesAt ? { pricesAt: options.pricesAt } : {}),
  });
  const warnings = loaded.diagnostics.filter((d) => d.severity === "warning");
  if (!loaded.ir) return fail(loaded.diagnostics);
  const ir = loaded.ir;

  const scenarios = compileScenarios(options, ir, sources);
  const scenarioErrors = scenarios.diagnostics.filter((d) => d.severity === "error");
  warnings.push(...scenarios.diagnostics.filter((d) => d.severity === "warning"));
  if (scenarioErrors.length) return fail([...warnings, ...scenarioErrors], ir);

  const schemaDir = path.join(options.root, "schema/providers");
  const files = [
    ...(await generateProviderTypes(schemaDir)),
    ...generateEnvironment(ir, { outDir: generatedDir, scenarios: scenarios.scenarios, schemaDir }),
  ];
  const typeErrors = typecheckGenerated(options.root, files);
  for (const file of files) sources.set(file.path, file.content);
  if (typeErrors.length) return { ...fail([...warnings, ...typeErrors], ir), files };

  let bundlePath: string | null = null;
  if (options.write) {
    writeTree(options.root, "generated/types", files.filter((f) => f.path.startsWith("generated/types/")));
    writeTree(options.root, generatedDir, files.filter((f) => f.path.startsWith(`${generatedDir}/`)));
    bundlePath = await bundleEnvironment(options.root, generatedDir, distDir, ir.dashboard.enabled);
  }
  return { ok: true, diagnostics: warnings, report: warnings.length ? render(warnings, sources) : "", ir, files, bundlePath };
}
