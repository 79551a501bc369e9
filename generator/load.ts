// routes.yaml → diagnostics → ConfigIR. The yaml Document and a line index of the text are kept so every
// problem, from a YAML syntax error to a shadowed glob, points at the exact key or value at fault.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node } from "yaml";
import type { ConfigIR } from "./ir.ts";
import type { Diagnostic, PathSegment, SourceLocator, Span } from "./diagnostics.ts";
import { fromPointer, sortDiagnostics, toPointer } from "./diagnostics.ts";
import { didYouMean, withSuggestion } from "./did-you-mean.ts";
import { checkConfig } from "./validate.ts";
import { LineIndex } from "./line-index.ts";
import { DEFAULT_ENV, resolveConfig, type RoutesYaml } from "./resolve.ts";

export interface LoadOptions {
  /** Environment to resolve; default "dev", which needs no `environments:` entry. */
  env?: string;
  /** Source text; when absent the file is read from disk. */
  text?: string;
  /** The date whose dataset prices apply; default: SOURCE_DATE_EPOCH, else now (generator/prices.ts). */
  pricesAt?: Date;
  /** `no-price` is an error rather than a warning (`--strict-prices`). */
  strictPrices?: boolean;
}

export interface LoadResult {
  /** Null when any diagnostic is an error. */
  ir: ConfigIR | null;
  /** Sorted by position. */
  diagnostics: Diagnostic[];
  /** The text that was parsed ("" if the file could not be read), for `formatDiagnostics`. */
  source: string;
}

/** Parses, validates and resolves routes.yaml. Never throws: every problem becomes a diagnostic. */
export function loadConfig(file: string, options: LoadOptions = {}): LoadResult {
  const env = options.env ?? DEFAULT_ENV;
  let source: string;
  try {
    source = options.text ?? readFileSync(file, "utf8");
  } catch (error) {
    return { ir: null, diagnostics: [wholeFile(file, "read-error", `cannot read ${file}: ${errorMessage(error)}`)], source: "" };
  }
  try {
    return loadSource(file, source, env, options);
  } catch (error) {
    // A bug in the checks or in resolve, not in routes.yaml; still reported rather than thrown.
    const message = `internal error while loading ${file}: ${errorMessage(error)}`;
    return { ir: null, diagnostics: [wholeFile(file, "internal-error", message)], source };
  }
}

function loadSource(file: string, source: string, env: string, options: LoadOptions): LoadResult {
  // Positions come from the text (LineIndex), not from the yaml parser's LineCounter: see line-index.ts.
  const lineCounter = new LineIndex(source);
  // `merge: true` lets a file share provider settings between environments with `<<: *anchor`.
  // logLevel "error": yaml would otherwise print its own warnings to stderr; ours are diagnostics.
  const doc = parseDocument(source, { prettyErrors: false, merge: true, uniqueKeys: true, logLevel: "error" });
  const at = createLocator(file, source, doc, lineCounter);

  // yaml's warnings (e.g. an unresolved `!tag`) change what the value means, so they fail the build too.
  const syntax = [...doc.errors, ...doc.warnings].map(
    (error): Diagnostic => ({
      file,
      ...at.offsets(error.pos[0], error.pos[1]),
      code: "parse-error",
      pointer: "",
      message: error.message,
      severity: "error",
    }),
  );
  syntax.push(...collectionKeyDiagnostics(file, doc, at));
  if (syntax.length > 0) return { ir: null, diagnostics: sortDiagnostics(syntax), source };

  let config: unknown;
  try {
    config = doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    return { ir: null, diagnostics: [aliasDiagnostic(file, doc, at, error)], source };
  }

  const diagnostics = [...schemaDiagnostics(config, at), ...checkConfig(config, at), ...envDiagnostics(config, env, at)];
  const sorted = sortDiagnostics(diagnostics);
  if (sorted.some((d) => d.severity === "error")) return { ir: null, diagnostics: sorted, source };

  // Resolution finds what only the resolved environment can say: which targets have no price.
  const found: Diagnostic[] = [];
  const ir = resolveConfig(config as RoutesYaml, env, at, { diagnostics: found, ...(options.pricesAt ? { pricesAt: options.pricesAt } : {}) });
  const strict = (d: Diagnostic): Diagnostic => ({ ...d, severity: "error", hint: `${d.hint}; --strict-prices makes a target without a price an error` });
  const resolution = found.map((d) => (options.strictPrices && d.code === "no-price" ? strict(d) : d));
  const all = sortDiagnostics([...diagnostics, ...resolution, ...accessWarnings(ir), ...tlsWarnings(ir, file)]);
  return { ir: all.some((d) => d.severity === "error") ? null : ir, diagnostics: all, source };
}

/** Settings that are valid but leave the gateway open; known only once the environment is applied. */
function accessWarnings(ir: ConfigIR): Diagnostic[] {
  if (ir.access.auth !== "off") return [];
  return [
    {
      ...ir.access.pos,
      code: "auth-off",
      pointer: ir.access.pointer,
      message: `client keys are not required (auth.required: false): anyone who reaches ${ir.server.host}:${ir.server.port} can spend your provider keys`,
      hint: "leave auth.required out to require keys whenever the listener is not loopback-only",
      severity: "warning",
    },
  ];
}

/**
 * `server.tls` files that are not there at build time. A warning, not an error: the bundle reads them when it
 * starts, possibly on another machine (a container's mounted secret). Only literal paths are checked, relative
 * ones against routes.yaml's directory, where `switchyard serve` runs; the files are never read here.
 */
function tlsWarnings(ir: ConfigIR, file: string): Diagnostic[] {
  const tls = ir.server.tls;
  if (tls === null) return [];
  const found: Diagnostic[] = [];
  for (const [field, value, pos] of [["cert", tls.cert, tls.certPos], ["key", tls.key, tls.keyPos]] as const) {
    if (!value.parts.every((part) => "text" in part)) continue;
    const written = value.parts.map((part) => ("text" in part ? part.text : "")).join("");
    if (written === "" || existsSync(path.resolve(path.dirname(file), written))) continue;
    found.push({
      ...pos,
      code: "missing-file",
      pointer: `${tls.pointer}/${field}`,
      message: `server.tls.${field}: there is no file at ${JSON.stringify(written)}${path.isAbsolute(written) ? "" : ` (next to ${path.basename(file)})`}; the gateway reads it when it starts, and cannot start without it`,
      hint: `if it only exists where the gateway runs, name it there: \${TLS_${field.toUpperCase()}} in routes.yaml, or SWITCHYARD_TLS_CERT and SWITCHYARD_TLS_KEY`,
      severity: "warning",
    });
  }
  return found;
}

// ---- source positions ----

interface YamlLocator extends SourceLocator {
  /** Span of a source offset range (yaml error positions). */
  offsets(start: number, end: number): Span;
}

interface Found {
  key: Node | undefined;
  value: Node | undefined;
  /** False when the path leaves the document; key/value are then the deepest node found. */
  complete: boolean;
}

function createLocator(file: string, source: string, doc: Document, lineCounter: LineIndex): YamlLocator {
  const offsets = (start: number, end: number): Span => {
    const { line, col } = lineCounter.linePos(start);
    const endPos = lineCounter.linePos(Math.max(start, end));
    if (endPos.line === line) return { line, col, endCol: Math.max(col + 1, endPos.col) };
    // A multi-line node (a block map or list): underline the rest of its first line.
    const lineEnd = source.slice(start).search(/\r?\n|\r/);
    const firstLine = source.slice(start, lineEnd < 0 ? undefined : start + lineEnd).trimEnd();
    return { line, col, endCol: col + Math.max(1, firstLine.length) };
  };
  const spanOf = (node: Node | undefined): Span | undefined =>
    node?.range ? offsets(node.range[0], node.range[1]) : undefined;
  const documentStart: Span = { line: 1, col: 1 };

  const find = (path: readonly PathSegment[]): Found => {
    let found: Found = { key: undefined, value: (doc.contents as Node | null) ?? undefined, complete: true };
    for (const segment of path) {
      const container = deref(found.value, doc);
      const next = isMap(container)
        ? findPair(container.items, String(segment), doc)
        : isSeq(container)
          ? seqItem(container.items, segment)
          : undefined;
      if (next === undefined) return { ...found, complete: false };
      found = { key: next.key, value: next.value, complete: true };
    }
    return found;
  };

  return {
    file,
    offsets,
    key(path) {
      const { key, value } = find(path);
      return spanOf(key) ?? spanOf(value) ?? documentStart;
    },
    value(path) {
      const { key, value, complete } = find(path);
      // An empty value (`server:`) has an empty range; its key is the useful place to point at.
      const empty = !value?.range || value.range[0] === value.range[1];
      if (!complete || empty) return spanOf(key) ?? spanOf(value) ?? documentStart;
      return spanOf(value) ?? documentStart;
    },
    within(path, fragment) {
      const { value, complete } = find(path);
      if (complete && isScalar(value) && value.range && !fragment.includes("\n")) {
        const raw = source.slice(value.range[0], value.range[1]);
        const index = raw.indexOf(fragment);
        if (index >= 0) return offsets(value.range[0] + index, value.range[0] + index + fragment.length);
      }
      return this.value(path);
    },
  };
}

function deref(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The pair for `key`, looking through `<<` merge keys the way `toJS` does (own keys first). */
function findPair(items: readonly unknown[], key: string, doc: Document): { key: Node | undefined; value: Node | undefined } | undefined {
  const merges: unknown[] = [];
  for (const item of items) {
    const pair = item as { key: unknown; value: unknown };
    const pairKey = pair.key;
    if (isScalar(pairKey) && typeof pairKey.value === "symbol") {
      merges.push(pair.value);
      continue;
    }
    const name = isScalar(pairKey) ? String(pairKey.value) : String(pairKey);
    if (name === key) return { key: pairKey as Node, value: (pair.value ?? undefined) as Node | undefined };
  }
  for (const merge of merges) {
    const sources = isSeq(merge) ? merge.items : [merge];
    for (const mergeSource of sources) {
      const map = deref(mergeSource, doc);
      if (!isMap(map)) continue;
      const found = findPair(map.items, key, doc);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function seqItem(items: readonly unknown[], segment: PathSegment): { key: undefined; value: Node } | undefined {
  const index = Number(segment);
  const item = Number.isInteger(index) ? items[index] : undefined;
  return item === undefined || item === null ? undefined : { key: undefined, value: item as Node };
}

function aliasDiagnostic(file: string, doc: Document, at: YamlLocator, error: unknown): Diagnostic {
  let span: Span = { line: 1, col: 1 };
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined || !alias.range) return undefined;
      span = at.offsets(alias.range[0], alias.range[1]);
      return visit.BREAK;
    },
  });
  return { file, ...span, code: "parse-error", pointer: "", message: errorMessage(error), severity: "error" };
}

/** `? [a, b]: x` is valid YAML, but a map or list as a key has no place in routes.yaml (toJS would stringify it). */
function collectionKeyDiagnostics(file: string, doc: Document, at: YamlLocator): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key as Node | null;
      if (!isCollection(key) || !key.range) return;
      const message = `a key must be a plain string, not ${isMap(key) ? "a map" : "a list"}`;
      out.push({ file, ...at.offsets(key.range[0], key.range[1]), code: "bad-type", pointer: "", message, severity: "error" });
    },
  });
  return out;
}

// ---- schema validation ----

let compiled: ValidateFunction | undefined;

/** routes.schema.json compiled once per process. */
function routesValidator(): ValidateFunction {
  if (compiled === undefined) {
    const schema = JSON.parse(readFileSync(new URL("../schema/routes.schema.json", import.meta.url), "utf8"));
    compiled = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(schema);
  }
  return compiled;
}

function schemaDiagnostics(config: unknown, at: SourceLocator): Diagnostic[] {
  const validate = routesValidator();
  if (validate(config)) return [];
  const errors = collapseAlternatives(validate.errors ?? []);
  const diagnostics: Diagnostic[] = [];
  const push = (code: string, path: readonly PathSegment[], span: Span, message: string, hint?: string) =>
    diagnostics.push({
      file: at.file,
      ...span,
      code,
      pointer: toPointer(path),
      message,
      ...(hint === undefined ? {} : { hint }),
      severity: "error",
    });

  // A misspelt required key shows up twice (unknown "provder", missing "provider"); the
  // unknown-key diagnostic already says "Did you mean", so the missing-key one is dropped.
  const suggested = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== "additionalProperties") continue;
    const allowed = allowedKeys(error);
    const suggestion = didYouMean(String(error.params.additionalProperty), allowed);
    if (suggestion !== undefined) suggested.add(`${error.instancePath}/${suggestion}`);
  }

  for (const error of errors) {
    const path = fromPointer(error.instancePath);
    const what = describePath(path);
    switch (error.keyword) {
      case "additionalProperties": {
        const key = String(error.params.additionalProperty);
        const allowed = allowedKeys(error);
        const keyPath = [...path, key];
        push("unknown-key", keyPath, at.key(keyPath), withSuggestion(`unknown key "${key}"`, key, allowed), `allowed: ${allowed.join(", ")}`);
        break;
      }
      case "required": {
        const key = String(error.params.missingProperty);
        if (suggested.has(`${error.instancePath}/${key}`)) break;
        push("missing-key", [...path, key], path.length === 0 ? at.value(path) : at.key(path), `missing required key "${key}"`);
        break;
      }
      case "type":
        push("bad-type", path, at.value(path), `expected ${describeTypes(error.params.type)}, got ${describeValue(error.data)}`);
        break;
      case "enum": {
        const allowed = (error.params.allowedValues as unknown[]).map(String);
        const value = error.data;
        const message =
          typeof value === "string"
            ? withSuggestion(`invalid ${what} "${value}"`, value, allowed)
            : `invalid ${what}: ${describeValue(value)}`;
        push("bad-value", path, at.value(path), message, `allowed: ${allowed.join(", ")}`);
        break;
      }
      case "pattern": {
        const hint = describedBy(error);
        if (error.propertyName !== undefined) {
          const keyPath = [...path, error.propertyName];
          push("bad-value", keyPath, at.key(keyPath), `invalid ${nameKind(path)} "${error.propertyName}"`, hint);
        } else {
          push("bad-value", path, at.value(path), `invalid ${what} "${String(error.data)}"`, hint);
        }
        break;
      }
      case "propertyNames":
        break; // the failing name's own error (pattern) is reported above
      case "minLength":
      case "minItems":
      case "minProperties":
        push("bad-value", path, at.value(path), `${what} must not be empty`);
        break;
      case "minimum":
        push("bad-value", path, at.value(path), `${what} must be at least ${error.params.limit}, got ${String(error.data)}`);
        break;
      case "maximum":
        push("bad-value", path, at.value(path), `${what} must be at most ${error.params.limit}, got ${String(error.data)}`);
        break;
      case "uniqueItems": {
        const itemPath = [...path, Number(error.params.i)];
        push("bad-value", itemPath, at.value(itemPath), `duplicate ${what} item ${JSON.stringify((error.data as unknown[])[Number(error.params.i)])}`);
        break;
      }
      case "const":
        push("bad-value", path, at.value(path), `invalid ${what}: ${describeValue(error.data)}`, describedBy(error));
        break;
      case "anyOf-type": // synthesised by collapseAlternatives
        push("bad-type", path, at.value(path), `expected ${String(error.params.expected)}, got ${describeValue(error.data)}`);
        break;
      default:
        push("bad-value", path, at.value(path), `${what} ${error.message ?? "is invalid"}`);
    }
  }
  return dropShadowedValueErrors(diagnostics);
}

/**
 * Folds ajv's report of a failed `anyOf`/`oneOf` (one error per branch, then "must match a schema in
 * anyOf") into what the user needs: if the value's type fits no branch, one bad-type naming the
 * accepted forms; otherwise only the errors of the branches whose type it fits (`4 megs` → the
 * size pattern, not "must be integer").
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<number>();
  const replacements = new Map<number, ErrorObject>();
  errors.forEach((error, index) => {
    if (error.keyword !== "anyOf" && error.keyword !== "oneOf") return;
    dropped.add(index);
    const branches = error.schema as Array<{ type?: string | string[]; description?: string }>;
    const fits = branches.map((branch) => branch.type === undefined || typeAccepts(branch.type, error.data));
    // ajv reports a combinator's branch errors immediately before the combinator's own error.
    const children: number[] = [];
    for (let j = index - 1; j >= 0; j--) {
      const child = errors[j]!;
      if (child.instancePath !== error.instancePath && !child.instancePath.startsWith(`${error.instancePath}/`)) break;
      children.push(j);
    }
    if (!fits.some(Boolean)) {
      children.forEach((j) => dropped.add(j));
      const expected =
        (error.parentSchema as { description?: string } | undefined)?.description ??
        branches.map((branch) => describeTypes(branch.type ?? "any")).join(" or ");
      replacements.set(index, { ...error, keyword: "anyOf-type", params: { expected } });
      return;
    }
    // A branch's own errors carry its schemaPath (`.../anyOf/0/type`); errors from inside a $ref it
    // follows do not, but a branch the type does not fit never gets that far.
    for (const j of children) {
      const schemaPath = errors[j]!.schemaPath;
      if (!schemaPath.startsWith(`${error.schemaPath}/`)) continue;
      const branch = Number(schemaPath.slice(error.schemaPath.length + 1).split("/")[0]);
      if (fits[branch] === false) dropped.add(j);
    }
  });
  return errors.flatMap((error, index) => {
    const replacement = replacements.get(index);
    if (replacement !== undefined) return [replacement];
    return dropped.has(index) ? [] : [error];
  });
}

/** A wrong type makes any other complaint about the same value noise. */
function dropShadowedValueErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  const badType = new Set(diagnostics.filter((d) => d.code === "bad-type").map((d) => d.pointer));
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    if (d.code === "bad-value" && badType.has(d.pointer)) return false;
    const key = `${d.code}\u0000${d.pointer}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function allowedKeys(error: ErrorObject): string[] {
  return Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
}

function describedBy(error: ErrorObject): string | undefined {
  const description = (error.parentSchema as { description?: string } | undefined)?.description;
  return description === undefined ? undefined : `expected ${description}`;
}

/** `port` for /server/port, `api item` for /routes/0/api/1. */
function describePath(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (last === undefined) return "routes.yaml";
  if (!/^\d+$/.test(String(last))) return String(last);
  const parent = path[path.length - 2];
  return parent === undefined ? "item" : `${parent} item`;
}

function nameKind(mapPath: readonly PathSegment[]): string {
  const map = String(mapPath[mapPath.length - 1]);
  if (map === "providers") return "provider name";
  if (map === "environments") return "environment name";
  if (map === "headers") return "header name";
  return "key";
}

const TYPE_NAMES: Record<string, string> = {
  object: "a map",
  array: "a list",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean (true or false)",
  null: "nothing",
};

function describeTypes(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(" or ");
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return `a string (${JSON.stringify(value)})`;
  if (typeof value === "number" && !Number.isFinite(value)) return Number.isNaN(value) ? "not a number (NaN)" : `an infinite number (${value})`;
  if (typeof value === "number") return `${Number.isInteger(value) ? "an integer" : "a number"} (${value})`;
  if (typeof value === "boolean") return `a boolean (${value})`;
  return typeof value;
}

function typeAccepts(type: string | string[], value: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case "null":
        return value === null;
      case "array":
        return Array.isArray(value);
      case "object":
        return typeof value === "object" && value !== null && !Array.isArray(value);
      case "integer":
        return Number.isInteger(value);
      default:
        return typeof value === t;
    }
  });
}

// ---- the selected environment ----

function envDiagnostics(config: unknown, env: string, at: SourceLocator): Diagnostic[] {
  if (env === DEFAULT_ENV) return [];
  const environments =
    typeof config === "object" && config !== null && "environments" in config ? (config as { environments: unknown }).environments : undefined;
  const defined = typeof environments === "object" && environments !== null ? Object.keys(environments) : [];
  if (defined.includes(env)) return [];
  const candidates = [DEFAULT_ENV, ...defined];
  const message = withSuggestion(`unknown environment "${env}" (from --env)`, env, candidates);
  const hint = `defined environments: ${candidates.join(", ")}`;
  if (environments === undefined) return [{ ...wholeFile(at.file, "unknown-env", message), pointer: toPointer(["environments", env]), hint }];
  return [
    {
      file: at.file,
      ...at.key(["environments"]),
      code: "unknown-env",
      pointer: toPointer(["environments", env]),
      message,
      hint,
      severity: "error",
    },
  ];
}

function wholeFile(file: string, code: string, message: string): Diagnostic {
  return { file, line: 0, col: 0, code, pointer: "", message, severity: "error" };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
