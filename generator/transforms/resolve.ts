// `transforms:` as written → TransformsIR: header names lower-cased, `${VAR}` values split into parts (resolved
// at start, never in generated code), JSONPaths parsed, each body rule tagged with its line for provenance.
// validate.ts has already rejected everything this would throw on.
import type { PathSegment, SourceLocator } from "../diagnostics.ts";
import type { BodyRuleIR, EnvStringIR, HeaderRulesIR, TransformSideIR, TransformsIR } from "../ir.ts";
import { parseEnvString } from "../resolve.ts";
import { parseJsonPath, type JsonPath } from "./jsonpath.ts";

export interface HeaderRulesYaml {
  mode?: "passthrough" | "allowlist" | "denylist";
  names?: string[];
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}
export type BodyRuleYaml =
  | { replace: { pattern: string; flags?: string; with: string; path?: string } }
  | { remove: string }
  | { set: { path: string; value: unknown } }
  | { add: { path: string; value: unknown } };
export interface TransformSideYaml {
  headers?: HeaderRulesYaml;
  body?: BodyRuleYaml[];
}
export interface TransformsYaml {
  request?: TransformSideYaml;
  response?: TransformSideYaml;
}

export function resolveTransforms(yaml: TransformsYaml | undefined, path: readonly PathSegment[], at: SourceLocator): TransformsIR | null {
  if (yaml === undefined) return null;
  const side = (name: "request" | "response"): TransformSideIR => ({
    headers: resolveHeaders(yaml[name]?.headers),
    body: (yaml[name]?.body ?? []).map((rule, i) => resolveBodyRule(rule, [...path, name, "body", i], at)),
  });
  const transforms = { request: side("request"), response: side("response") };
  return isEmpty(transforms) ? null : transforms;
}

function isEmpty(t: TransformsIR): boolean {
  return t.request.headers === null && t.request.body.length === 0 && t.response.headers === null && t.response.body.length === 0;
}

function resolveHeaders(yaml: HeaderRulesYaml | undefined): HeaderRulesIR | null {
  if (yaml === undefined) return null;
  const values = (map: Record<string, string> | undefined) =>
    Object.entries(map ?? {}).map(([name, value]) => ({ name: name.toLowerCase(), value: envString(value) }));
  return {
    mode: yaml.mode ?? "passthrough",
    names: (yaml.names ?? []).map((n) => n.toLowerCase()),
    set: values(yaml.set),
    add: values(yaml.add),
    remove: (yaml.remove ?? []).map((n) => n.toLowerCase()),
  };
}

function resolveBodyRule(rule: BodyRuleYaml, path: PathSegment[], at: SourceLocator): BodyRuleIR {
  const span = at.value(path);
  const pos = { file: at.file, line: span.line, col: span.col };
  if ("replace" in rule) {
    const r = rule.replace;
    return { op: "replace", pattern: r.pattern, flags: r.flags ?? "", with: r.with, path: r.path === undefined ? null : jsonPath(r.path), pos };
  }
  if ("remove" in rule) return { op: "remove", path: jsonPath(rule.remove), pos };
  if ("set" in rule) return { op: "set", path: jsonPath(rule.set.path), value: rule.set.value, pos };
  return { op: "add", path: jsonPath(rule.add.path), value: rule.add.value, pos };
}

function jsonPath(source: string): JsonPath {
  const parsed = parseJsonPath(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.path;
}

function envString(text: string): EnvStringIR {
  const parsed = parseEnvString(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}
