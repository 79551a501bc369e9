// Semantic checks of a `transforms:` block (provider or route level), run by validate.ts after the schema:
// JSONPaths parse (bad-jsonpath), regexes compile (bad-regex) and cannot backtrack catastrophically
// (unsafe-regex), `${VAR}` header values are well formed, and header rules that cannot do what they say
// (names without a list mode, the client's key in an allowlist) are errors rather than silent no-ops.
import type { PathSegment } from "../diagnostics.ts";
import type { Report } from "../validate.ts";
import { ENV_REFERENCE_HINT, parseEnvString } from "../resolve.ts";
import { parseJsonPath } from "./jsonpath.ts";
import { checkRegex } from "./regex.ts";

const JSONPATH_HINT = "supported: $.a.b, $['x-y'], $.a[0], $.a[*], $.a[?(@.role == 'system')]";

/** The client's credentials: never forwarded by header rules, only by `forward_client_key`. */
const CREDENTIAL_HEADERS = new Set(["authorization", "x-api-key", "api-key"]);

export function checkTransforms(transforms: unknown, path: readonly PathSegment[], report: Report): void {
  if (!isRecord(transforms)) return;
  for (const side of ["request", "response"] as const) {
    const rules = transforms[side];
    if (!isRecord(rules)) continue;
    if (isRecord(rules.headers)) checkHeaders(rules.headers, [...path, side, "headers"], side, report);
    if (Array.isArray(rules.body)) rules.body.forEach((rule, i) => checkBodyRule(rule, [...path, side, "body", i], report));
  }
}

function checkHeaders(headers: Record<string, unknown>, path: PathSegment[], side: "request" | "response", report: Report): void {
  const mode = headers.mode ?? "passthrough";
  if (headers.names !== undefined && mode === "passthrough") {
    report("bad-value", [...path, "names"], "key", `"names" needs mode allowlist or denylist`, "mode: allowlist keeps only the names; mode: denylist drops them");
  }
  if (side === "request" && mode === "allowlist" && Array.isArray(headers.names)) {
    headers.names.forEach((name, i) => {
      if (typeof name === "string" && CREDENTIAL_HEADERS.has(name.toLowerCase())) {
        report("bad-value", [...path, "names", i], "value", `the client's "${name}" header is never forwarded by header rules`, "bring-your-own-key: set forward_client_key: true on the route");
      }
    });
  }
  for (const op of ["set", "add"] as const) {
    const values = headers[op];
    if (!isRecord(values)) continue;
    for (const [name, value] of Object.entries(values)) {
      if (typeof value !== "string") continue;
      const parsed = parseEnvString(value);
      if (!parsed.ok) report("bad-env-reference", [...path, op, name], { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
    }
  }
}

function checkBodyRule(rule: unknown, path: PathSegment[], report: Report): void {
  if (!isRecord(rule)) return;
  const checkPath = (value: unknown, at: PathSegment[]) => {
    if (typeof value !== "string") return;
    const parsed = parseJsonPath(value);
    if (!parsed.ok) report("bad-jsonpath", at, { fragment: parsed.fragment }, parsed.message, JSONPATH_HINT);
  };
  if (typeof rule.remove === "string") checkPath(rule.remove, [...path, "remove"]);
  for (const op of ["set", "add"] as const) {
    const body = rule[op];
    if (isRecord(body)) checkPath(body.path, [...path, op, "path"]);
  }
  const replace = rule.replace;
  if (isRecord(replace)) checkReplace(replace, [...path, "replace"], report);
}

/** A `{ pattern, flags, with, path }` rule at `path`: a body transform's replace, or a `logs.redact` rule. */
export function checkReplace(replace: Record<string, unknown>, path: readonly PathSegment[], report: Report): void {
  if (typeof replace.path === "string") {
    const parsed = parseJsonPath(replace.path);
    if (!parsed.ok) report("bad-jsonpath", [...path, "path"], { fragment: parsed.fragment }, parsed.message, JSONPATH_HINT);
  }
  if (typeof replace.pattern === "string") {
    const flags = typeof replace.flags === "string" ? replace.flags : "";
    const checked = checkRegex(replace.pattern, flags);
    if (!checked.ok) {
      const at = checked.message.startsWith("invalid regex flags") ? [...path, "flags"] : [...path, "pattern"];
      report(checked.code, at, "value", checked.message, checked.hint);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
