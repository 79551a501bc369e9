// Fuzz test of the config loader (issue 15): random YAML mutations of routes.yaml and the test fixtures
// (a key deleted, a value of the wrong type, garbage inserted, the file truncated, a key duplicated, a line
// re-indented, random bytes) with a fixed seed. Each mutant must load, or fail with diagnostics that point
// inside the file (line and column of a real position, never the whole-file `internal-error` a thrown
// exception becomes); a mutant that loads must also emit. A few of those are type-checked together with
// the runtime in one program (a ts-morph check takes tens of seconds on a loaded machine).
// A failing case prints its seed and mutation; FUZZ_SEED=N reproduces another run.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import { loadConfig } from "../../generator/load.ts";
import { compileScenario } from "../../generator/scenario.ts";
import { generateEnvironment, generateProviderTypes, type GeneratedFile } from "../../generator/generate.ts";
import { typecheckGenerated } from "../../generator/typecheck.ts";
import type { CompiledScenario } from "../../runtime/scenario/types.ts";
import type { ConfigIR } from "../../generator/ir.ts";
import { root } from "../support/gateway.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
/** Mutants per run. */
const CASES = 400;
/** Mutants that load and are type-checked (in one program). */
const TYPECHECK_SAMPLE = 6;
/** Dataset prices in force on a fixed date, so the run does not depend on the day. */
const PRICES_AT = new Date("2026-12-01T00:00:00Z");

/** mulberry32: small, fast and the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

/** The seeds: the shipped routes.yaml, every e2e fixture and every golden case. */
const seeds: Array<{ file: string; text: string }> = [
  "routes.yaml",
  ...readdirSync(path.join(root, "test/e2e")).filter((f) => f.endsWith(".routes.yaml")).map((f) => `test/e2e/${f}`),
  ...readdirSync(path.join(root, "test/golden"), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, "test/golden", d.name, "routes.yaml")))
    .map((d) => `test/golden/${d.name}/routes.yaml`),
].map((file) => ({ file, text: readFileSync(path.join(root, file), "utf8") }));

/** Scenario files (a `scenario` provider's script, compiled by the build): the seeds of the scenario mutants. */
const scenarioSeeds: Array<{ file: string; text: string }> = [
  "scenarios/demo.yaml",
  ...readdirSync(path.join(root, "test/fixtures/scenarios")).filter((f) => f.endsWith(".yaml")).map((f) => `test/fixtures/scenarios/${f}`),
].map((file) => ({ file, text: readFileSync(path.join(root, file), "utf8") }));
/** Scenario mutants per run: compiling one is cheap. */
const SCENARIO_CASES = 150;

/** Bits of YAML and not-quite-YAML that break parsers: flow openers, anchors, tags, tabs, quotes. */
const GARBAGE = ["{", "}", "[", "]", ": :", "- -", "&a", "*a", "*nope", "!!binary", "!custom", "%YAML 1.1", "---", "...", "'", '"', "\t", "? ", "|", ">-", "#", "${", "${UNCLOSED", "\u0000", "\ufeff", "\u202e", "<<: *x", "~", "0x", "1e999", "-.inf", ".nan", "🚀"];

/** Values of every YAML type, put where a value of another type belongs. */
const VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, "", "x", "not a url", "${X}", "${X:-}", [], [1, "a"], {}, { a: 1 }, { model: null }, "*", "**", "4mb", "-5kb", "openai", 99999999999999999999];

/** All nodes of a document, with the collection that holds each (null at the top). */
function nodesOf(doc: Document): Array<{ node: Node; parent: Node | null; key: unknown }> {
  const out: Array<{ node: Node; parent: Node | null; key: unknown }> = [];
  const walk = (node: unknown, parent: Node | null, key: unknown) => {
    if (!node || typeof node !== "object") return;
    out.push({ node: node as Node, parent, key });
    if (isMap(node)) for (const pair of node.items) walk(pair.value, node, isScalar(pair.key) ? pair.key.value : pair.key);
    else if (isSeq(node)) node.items.forEach((item, i) => walk(item, node, i));
  };
  walk(doc.contents, null, null);
  return out;
}

type Mutation = { name: string; apply: (text: string) => string };

const lines = (text: string) => text.split("\n");

/** Text mutations: what a bad edit, a bad paste or a bad disk does to the file. */
const TEXT_MUTATIONS: Mutation[] = [
  { name: "truncate", apply: (t) => t.slice(0, int(t.length)) },
  {
    name: "delete a line",
    apply: (t) => {
      const l = lines(t);
      l.splice(int(l.length), 1);
      return l.join("\n");
    },
  },
  {
    name: "duplicate a line (a duplicate key, most often)",
    apply: (t) => {
      const l = lines(t);
      const i = int(l.length);
      l.splice(i, 0, l[i]!);
      return l.join("\n");
    },
  },
  {
    name: "re-indent a line",
    apply: (t) => {
      const l = lines(t);
      const i = int(l.length);
      const shift = pick([-4, -2, -1, 1, 2, 3, 0]);
      // 0: a tab, which YAML forbids in indentation.
      l[i] = shift === 0 ? `\t${l[i]}` : shift > 0 ? " ".repeat(shift) + l[i] : l[i]!.replace(new RegExp(`^ {0,${-shift}}`), "");
      return l.join("\n");
    },
  },
  {
    name: "insert garbage",
    apply: (t) => {
      const at = int(t.length + 1);
      return t.slice(0, at) + Array.from({ length: 1 + int(3) }, () => pick(GARBAGE)).join(pick(["", " ", "\n"])) + t.slice(at);
    },
  },
  {
    name: "random bytes",
    apply: (t) => {
      const bytes = Buffer.from(t, "utf8");
      const at = int(bytes.length + 1);
      const junk = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)));
      // Read back as a file is: invalid UTF-8 becomes U+FFFD.
      return Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at + int(8))]).toString("utf8");
    },
  },
];

/** Structural mutations through the yaml library: still YAML, but not the schema's. */
const TREE_MUTATIONS: Mutation[] = [
  {
    name: "delete a key",
    apply: (t) => {
      const doc = parseDocument(t);
      const maps = nodesOf(doc).filter(({ node }) => isMap(node) && node.items.length > 0);
      if (maps.length === 0) return t;
      const map = pick(maps).node as any;
      map.items.splice(int(map.items.length), 1);
      return doc.toString();
    },
  },
  {
    name: "swap a value's type",
    apply: (t) => {
      const doc = parseDocument(t);
      const targets = nodesOf(doc).filter(({ parent }) => parent !== null);
      if (targets.length === 0) return t;
      const { parent, key } = pick(targets);
      (parent as any).set(key, doc.createNode(pick(VALUES)));
      return doc.toString();
    },
  },
  {
    name: "add an unknown or misspelt key",
    apply: (t) => {
      const doc = parseDocument(t);
      const maps = nodesOf(doc).filter(({ node }) => isMap(node));
      if (maps.length === 0) return t;
      const map = pick(maps).node as any;
      const existing = map.items.map((p: any) => String(isScalar(p.key) ? p.key.value : p.key));
      const name = existing.length && random() < 0.5 ? `${pick(existing)}s` : pick(["modle", "targets", "provider", "kind", "x", "api_key", "<<"]);
      map.set(name, doc.createNode(pick(VALUES)));
      return doc.toString();
    },
  },
  {
    name: "empty a collection",
    apply: (t) => {
      const doc = parseDocument(t);
      const collections = nodesOf(doc).filter(({ node }) => (isMap(node) || isSeq(node)) && (node as any).items.length > 0);
      if (collections.length === 0) return t;
      (pick(collections).node as any).items = [];
      return doc.toString();
    },
  },
];

interface Mutant {
  seed: string;
  mutations: string[];
  text: string;
}

function mutants(from: ReadonlyArray<{ file: string; text: string }>, cases: number): Mutant[] {
  const out: Mutant[] = [];
  for (let i = 0; i < cases; i++) {
    const seed = pick(from);
    let text = seed.text;
    const applied: string[] = [];
    // Mostly one mutation; sometimes two or three stacked.
    const count = random() < 0.7 ? 1 : 2 + int(2);
    for (let m = 0; m < count; m++) {
      const mutation = random() < 0.5 ? pick(TEXT_MUTATIONS) : pick(TREE_MUTATIONS);
      applied.push(mutation.name);
      try {
        text = mutation.apply(text);
      } catch {
        // A tree mutation needs a parseable document; on a broken one it leaves the text as it was.
        applied[applied.length - 1] += " (skipped: not parseable)";
      }
    }
    out.push({ seed: seed.file, mutations: applied, text });
  }
  return out;
}

/** Compiles the scenario files a loaded config names, as the build does (a missing one is a diagnostic there). */
function scenariosOf(ir: ConfigIR, configFile: string): Map<string, CompiledScenario> | null {
  const scenarios = new Map<string, CompiledScenario>();
  for (const provider of ir.providers) {
    if (provider.kind !== "scenario") continue;
    const file = path.join(root, path.dirname(configFile), provider.file);
    if (!existsSync(file)) return null;
    const compiled = compileScenario(provider.file, readFileSync(file, "utf8"));
    if (!compiled.scenario) return null;
    scenarios.set(provider.name, compiled.scenario);
  }
  return scenarios;
}

/** Every diagnostic of `text` names `file` and a line and column inside the text, and none is internal. */
function expectLocatedInside(file: string, text: string, diagnostics: ReturnType<typeof loadConfig>["diagnostics"], label: string): void {
  // Lines as formatDiagnostics splits them for the excerpt.
  const textLines = text.split(/\r\n|\r|\n/);
  for (const d of diagnostics) {
    const lineText = textLines[d.line - 1];
    expect(d.code, `${label}: ${d.message}`).not.toBe("internal-error");
    expect(d.file, label).toBe(file);
    expect(d.line >= 1 && d.line <= textLines.length, `${label}: line ${d.line} of ${textLines.length}: ${d.message}`).toBe(true);
    expect(d.col >= 1 && d.col <= lineText!.length + 1, `${label}: col ${d.col} of line ${d.line} (${lineText!.length} chars): ${d.message}`).toBe(true);
  }
}

/** Mutants that failed once, kept as plain cases (the bug each found is fixed in the generator). */
const REGRESSIONS: Array<[string, string]> = [
  // yaml's LineCounter missed the line break inside `${X}/v1\n    api_key` (a plain scalar token made by the
  // error recovery after the stray `}`): errors on the next line came out at col 30 of a 17-character line.
  ["a stray } before a plain scalar that runs over a line break", 'providers:\n  oa:\n    kind: openai\n    base_u"\n}rl: ${OA_URL}/v1\n    api_key: ${OA_KEY}\n\nroutes:\n  - model: x\n'],
  ["a byte-order mark inside a flow map after a broken line", "providers:\n  oa:\n    headers:\n      set: {? \n}\n\ufeff x-gateway: switchyard }\n      remove: [x-debug]\n"],
];

describe(`scenario file fuzz (seed ${SEED}, ${SCENARIO_CASES} mutants)`, () => {
  it.each(scenarioMutants.map((m, i) => [i, m] as const))("scenario mutant %i", (i, mutant) => {
    const label = `scenario mutant ${i} of ${mutant.seed} (${mutant.mutations.join(" + ")}), seed ${SEED}`;
    let result: ReturnType<typeof compileScenario>;
    try {
      result = compileScenario(mutant.seed, mutant.text);
    } catch (error) {
      throw new Error(`${label}: compileScenario threw: ${(error as Error).stack}`);
    }
    expectLocatedInside(mutant.seed, mutant.text, result.diagnostics, label);
    const errors = result.diagnostics.some((d) => d.severity === "error");
    expect(result.scenario === null, `${label}: a compiled scenario despite errors, or none without`).toBe(errors);
  });
});

describe("config loader regressions found by the fuzz", () => {
  it.each(REGRESSIONS)("%s: every diagnostic inside the file", (name, text) => {
    const result = loadConfig("routes.yaml", { text, pricesAt: PRICES_AT });
    expect(result.ir).toBeNull();
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expectLocatedInside("routes.yaml", text, result.diagnostics, name);
  });
});

const all = mutants(seeds, CASES);
const scenarioMutants = mutants(scenarioSeeds, SCENARIO_CASES);
/** Emitted files of loaded mutants picked for the type-check, each under its own generated/ folder. */
const sample: GeneratedFile[] = [];
let sampled = 0;
let loadedCount = 0;

describe(`config loader fuzz (seed ${SEED}, ${CASES} mutants)`, () => {
  it.each(all.map((m, i) => [i, m] as const))("mutant %i", (i, mutant) => {
    const label = `mutant ${i} of ${mutant.seed} (${mutant.mutations.join(" + ")}), seed ${SEED}`;
    let result: ReturnType<typeof loadConfig>;
    try {
      result = loadConfig(mutant.seed, { text: mutant.text, pricesAt: PRICES_AT });
    } catch (error) {
      throw new Error(`${label}: loadConfig threw: ${(error as Error).stack}`);
    }
    // Each mutant is kept as test/.build/fuzz/mutant-<i>.yaml, so a failing one can be loaded with `switchyard check`.
    mkdirSync(path.join(root, "test/.build/fuzz"), { recursive: true });
    writeFileSync(path.join(root, `test/.build/fuzz/mutant-${i}.yaml`), mutant.text);
    expectLocatedInside(mutant.seed, mutant.text, result.diagnostics, label);
    if (result.ir === null) {
      expect(result.diagnostics.some((d) => d.severity === "error"), label).toBe(true);
      return;
    }
    loadedCount++;
    const scenarios = scenariosOf(result.ir, mutant.seed);
    if (scenarios === null) return;
    const outDir = `test/.build/fuzz/${i}/generated`;
    let files: GeneratedFile[];
    try {
      files = generateEnvironment(result.ir, { outDir, scenarios, schemaDir: path.join(root, "schema/providers") });
    } catch (error) {
      throw new Error(`${label}: loaded, but the emitter threw: ${(error as Error).stack}`);
    }
    expect(files.length, label).toBeGreaterThan(0);
    // The unchanged seeds are type-checked by the golden and e2e builds; a mutant that still loads is new.
    if (sampled < TYPECHECK_SAMPLE && mutant.text !== seeds.find((s) => s.file === mutant.seed)!.text) {
      sampled++;
      sample.push(...files);
    }
  });

  it("a fair share of mutants still load (the mutations are not all fatal)", () => {
    expect(loadedCount).toBeGreaterThan(CASES / 20);
  });

  it("the emitted TypeScript of a sample of loaded mutants type-checks with the runtime", async () => {
    expect(sampled).toBeGreaterThan(0);
    const types = await generateProviderTypes(path.join(root, "schema/providers"));
    const diagnostics = typecheckGenerated(root, [...types, ...sample]);
    expect(diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  }, 300_000);
});
