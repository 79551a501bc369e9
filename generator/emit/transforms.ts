// Emits a route's header and body transforms into its route module: for each provider the route's targets
// use, one `TargetTransforms` built from the provider's rules followed by the route's (route rules win, as
// the more specific), plus bring-your-own-key.
//
// Why the emitted shapes are fast:
// - Header rules are straight-line code: an allowlist is one `if` per name, a denylist one `delete` per name;
//   there is no Set lookup per header and no list of rules walked per request.
// - A simple JSONPath ($.a.b, $.a[0], $["x-y"]) becomes direct property access (`body.metadata`); a wildcard
//   or filter path becomes a matcher function with its loops and comparisons written out, so nothing parses
//   or interprets a path at run time.
// - Each regex is a module-level RegExp literal (ajv's `pattern0`), compiled once when the bundle loads;
//   validate.ts has already compiled it and proved it free of catastrophic backtracking.
// - `${VAR}` header values are resolved once, when the route is built at start, from the environment handed
//   to buildGateway() (as provider keys are); generated code holds only the variable names.
import type { BodyRuleIR, ConfigIR, EnvStringIR, HeaderRulesIR, HttpProviderIR, RouteIR } from "../ir.ts";
import type { JsonPath, Literal, Segment, SimpleSegment } from "../transforms/jsonpath.ts";
import { isSimplePath } from "../transforms/jsonpath.ts";
import { bare, code, comment, join, literal, name, prefixed, ts, type Code } from "../code.ts";
import { posText } from "./context.ts";

/** The headers each provider kind authenticates with, for bring-your-own-key (see emit/providers.ts). */
function authHeader(kind: HttpProviderIR["kind"]): { name: string; prefix: string } {
  switch (kind) {
    case "anthropic":
      return { name: "x-api-key", prefix: "" };
    case "azure-openai":
      return { name: "api-key", prefix: "" };
    case "gemini":
      return { name: "x-goog-api-key", prefix: "" };
    default:
      return { name: "authorization", prefix: "Bearer " };
  }
}

/** Headers the gateway itself sets, kept by every allowlist (the upstream or the client needs them). */
const ALWAYS_KEPT = { request: ["content-type", "anthropic-version"], response: ["content-type", "x-switchyard-request-id"] };

export interface RouteTransforms {
  /** Module-level declarations: regex constants, matchers, body functions and one factory per provider. */
  declarations: Code;
  /** What the declarations import from runtime modules: [sorted names, module], by module. */
  imports: Array<[string[], string]>;
  /** The factory call for a target on `provider` (`gpt4oOpenaiTransforms(processEnv)`), or null when the pair has no transforms. */
  callFor(provider: string): Code | null;
  /** Some factory resolves `${VAR}` header values: it takes the gateway's `processEnv`. */
  readsEnv: boolean;
}

export function emitRouteTransforms(ir: ConfigIR, route: RouteIR): RouteTransforms {
  const providers = new Map(ir.providers.map((p) => [p.name, p]));
  const used = [...new Set(route.targets.map((t) => t.provider))].sort();
  const factories = new Map<string, Code>();
  const declarations: Code[] = [];
  const imports = new Map<string, string>();
  let readsEnv = false;
  for (const providerName of used) {
    const provider = providers.get(providerName);
    if (provider === undefined || provider.kind === "scenario" || provider.kind === "command") continue;
    const emitted = emitPair(route, provider);
    if (emitted === null) continue;
    factories.set(providerName, ts`${name(emitted.factory)}(${code(emitted.readsEnv ? "processEnv" : "")})`);
    readsEnv ||= emitted.readsEnv;
    declarations.push(emitted.code);
    for (const [n, m] of emitted.imports) imports.set(n, m);
  }
  return {
    declarations: join(declarations, "\n\n"),
    imports: [...new Set(imports.values())].sort().map((m) => [[...imports.keys()].filter((n) => imports.get(n) === m).sort(), m]),
    callFor: (provider) => factories.get(provider) ?? null,
    readsEnv,
  };
}

interface Ctx {
  prefix: string;
  imports: Map<string, string>;
  decls: Code[];
  patterns: number;
  matchers: number;
  /** What a rule without a path applies to, for the provenance comments. */
  textTarget?: string;
}

/**
 * The `{ json, text }` functions of `rules` as module-level declarations named after `prefix`, for code
 * outside a route module: the request log's redaction (emit/log-redaction.ts) compiles its rules with the
 * same emitters. `extraText` lines run after the rules in the text function; `textTarget` says in the
 * comments what a rule without a path applies to.
 */
export function emitBodyFunctions(
  prefix: string,
  rules: BodyRuleIR[],
  options: { extraText?: Code[]; textTarget?: string } = {},
): { declarations: Code; imports: Array<[string[], string]>; value: Code } {
  const ctx: Ctx = { prefix, imports: new Map(), decls: [], patterns: 0, matchers: 0, textTarget: options.textTarget };
  const value = emitBody(ctx, "", rules, options.extraText);
  const modules = [...new Set(ctx.imports.values())].sort();
  return {
    declarations: join(ctx.decls, "\n\n"),
    imports: modules.map((m) => [[...ctx.imports.keys()].filter((n) => ctx.imports.get(n) === m).sort(), m]),
    value,
  };
}

function emitPair(
  route: RouteIR,
  provider: HttpProviderIR,
): { factory: string; code: Code; imports: Map<string, string>; readsEnv: boolean } | null {
  const layers = [provider.transforms, route.transforms].filter((t) => t !== null);
  if (layers.length === 0 && !route.forwardClientKey) return null;
  // Route and provider idents are each unique, so the pair is unique within the route's module.
  const ctx: Ctx = { prefix: bare(`${route.ident.replace(/^_/, "")}${prefixed("", provider.ident)}`), imports: new Map(), decls: [], patterns: 0, matchers: 0 };
  ctx.imports.set("TargetTransforms", "transforms/types.ts");
  const envLines: Code[] = [];
  const owner = `route ${route.id} (${posText(route.pos)})`;
  const value = (v: EnvStringIR): Code => {
    if (v.parts.every((p) => "text" in p)) return literal(v.parts.map((p) => ("text" in p ? p.text : "")).join(""));
    const variable = name(`value${envLines.length}`);
    envLines.push(ts`const ${variable} = env.resolve(${literal(v.parts)}, ${owner});`);
    return variable;
  };

  const requestHeaderRules = layers.map((t) => t.request.headers).filter((h) => h !== null);
  const responseHeaderRules = layers.map((t) => t.response.headers).filter((h) => h !== null);
  const byok = route.forwardClientKey ? authHeader(provider.kind) : null;
  const requestHeaders =
    requestHeaderRules.length > 0 || byok !== null ? emitRequestHeaders(requestHeaderRules, byok, value) : code("null");
  const responseHeaders = responseHeaderRules.length > 0 ? emitResponseHeaders(responseHeaderRules, value) : code("null");
  const requestBody = emitBody(ctx, "Request", layers.flatMap((t) => t.request.body));
  const responseBody = emitBody(ctx, "Response", layers.flatMap((t) => t.response.body));

  const factory = `${ctx.prefix}Transforms`;
  if (envLines.length > 0) ctx.imports.set("createEnvReader", "env.ts");
  // The gateway's environment, not process.env: buildGateway(processEnv) decides what every `${VAR}` means.
  const env = envLines.length > 0 ? [ts`const env = createEnvReader(processEnv);`, ...envLines, ts`env.finish();`] : [];
  const from = [provider.transforms ? `provider ${provider.name}` : "", route.transforms ? `route ${route.id}` : "", byok ? "forward_client_key" : ""].filter(Boolean);
  ctx.decls.push(ts`/** ${code(from.join(", then "))}. */
function ${name(factory)}(${code(envLines.length > 0 ? "processEnv: NodeJS.ProcessEnv" : "")}): TargetTransforms {
  ${[...env, ts`return {`]}
    requestHeaders: ${requestHeaders},
    requestBody: ${requestBody},
    responseHeaders: ${responseHeaders},
    responseBody: ${responseBody},
  };
}`);
  return { factory, code: join(ctx.decls, "\n\n"), imports: ctx.imports, readsEnv: envLines.length > 0 };
}

// ---- headers ----

export type ValueOf = (v: EnvStringIR) => Code;

function key(header: string): Code {
  return ts`[${header}]`;
}

/** `h = <mode filter of h>` for one layer's mode, or nothing for passthrough. */
function modeStage(rules: HeaderRulesIR, kept: readonly string[]): Code[] {
  if (rules.mode === "passthrough") return [];
  if (rules.mode === "denylist") return rules.names.map((n) => ts`delete h${key(n)};`);
  const names = [...new Set([...rules.names, ...kept])];
  return [
    ts`{
  const kept: Record<string, string> = {};
  ${names.map((n) => ts`if (h${key(n)} !== undefined) kept${key(n)} = h${key(n)};`)}
  h = kept;
}`,
  ];
}

function editStage(rules: HeaderRulesIR, value: ValueOf): Code[] {
  return [
    ...rules.remove.map((n) => ts`delete h${key(n)};`),
    ...rules.set.map((s) => ts`h${key(s.name)} = ${value(s.value)};`),
    ...rules.add.map((a) => ts`h${key(a.name)} ??= ${value(a.value)};`),
  ];
}

/**
 * Order: each layer's mode filter on the client's headers, then the provider's own headers (auth, extra
 * headers) and bring-your-own-key, then each layer's remove, set and add.
 */
export function emitRequestHeaders(layers: HeaderRulesIR[], byok: { name: string; prefix: string } | null, value: ValueOf): Code {
  const modes = layers.flatMap((l) => modeStage(l, ALWAYS_KEPT.request));
  const auth = byok ? [ts`if (clientKey !== null) h${key(byok.name)} = ${byok.prefix ? ts`${byok.prefix} + clientKey` : code("clientKey")};`] : [];
  const edits = layers.flatMap((l) => editStage(l, value));
  const lines = [ts`let h: Record<string, string> = { ...client };`, ...modes, ts`Object.assign(h, provider);`, ...auth, ...edits, ts`return h;`];
  return ts`(client, provider, ${byok ? code("clientKey") : code("_clientKey")}) => {
  ${lines}
}`;
}

export function emitResponseHeaders(layers: HeaderRulesIR[], value: ValueOf): Code {
  const lines = [
    ts`let h: Record<string, string> = { ...upstream };`,
    ...layers.flatMap((l) => modeStage(l, ALWAYS_KEPT.response)),
    ...layers.flatMap((l) => editStage(l, value)),
    ts`return h;`,
  ];
  return ts`(upstream) => {
  ${lines}
}`;
}

// ---- bodies ----

/** `{ json, text }` functions for one side's rules, declared at module level; "null" when there are none. */
function emitBody(ctx: Ctx, side: "Request" | "Response" | "", rules: BodyRuleIR[], extraText: Code[] = []): Code {
  if (rules.length === 0 && extraText.length === 0) return code("null");
  const jsonRules = rules.filter((r) => r.op !== "replace" || r.path !== null);
  const textRules = rules.filter((r): r is Extract<BodyRuleIR, { op: "replace" }> => r.op === "replace" && r.path === null);
  let json: Code = code("null");
  if (jsonRules.length > 0) {
    const fn = name(`${ctx.prefix}${side}Json`);
    const body = jsonRules.map((r) => ts`${comment(`${posText(r.pos)}  ${describe(r, ctx.textTarget)}`)}\n${emitRule(ctx, r)}`);
    ctx.decls.push(ts`function ${fn}(body: any): void {
  ${join(body, "\n")}
}`);
    json = fn;
  }
  let text: Code = code("null");
  if (textRules.length > 0 || extraText.length > 0) {
    const fn = name(`${ctx.prefix}${side}Text`);
    const lines = [...textRules.map((r) => ts`${comment(`${posText(r.pos)}  ${describe(r, ctx.textTarget)}`)}\ntext = text.replace(${pattern(ctx, r)}, ${r.with});`), ...extraText];
    ctx.decls.push(ts`function ${fn}(text: string): string {
  ${join(lines, "\n")}
  return text;
}`);
    text = fn;
  }
  return ts`{ json: ${json}, text: ${text} }`;
}

function describe(rule: BodyRuleIR, textTarget = "the raw body"): string {
  switch (rule.op) {
    case "replace":
      return `replace /${rule.pattern}/${rule.flags} on ${rule.path?.source ?? textTarget}`;
    case "remove":
      return `remove ${rule.path.source}`;
    default:
      return `${rule.op} ${rule.path.source}`;
  }
}

/** A module-level RegExp literal. `source` re-escapes `/` and line breaks, so the literal always parses back. */
function pattern(ctx: Ctx, rule: Extract<BodyRuleIR, { op: "replace" }>): Code {
  const constant = name(`${ctx.prefix}Pattern${ctx.patterns++}`);
  const regex = new RegExp(rule.pattern, `g${rule.flags}`);
  ctx.decls.push(ts`const ${constant} = ${code(`/${regex.source}/${regex.flags}`)};`);
  return constant;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `expr.name`, `expr["x-y"]` or `expr[0]`; with `optional`, through `?.`. */
function access(expr: Code, segment: SimpleSegment, optional = false): Code {
  const dot = optional ? "?." : "";
  if (segment.kind === "index") return code(`${expr.text}${dot}[${segment.index}]`);
  if (IDENT.test(segment.name)) return code(`${expr.text}${optional ? "?." : "."}${segment.name}`);
  return code(`${expr.text}${dot}[${JSON.stringify(segment.name)}]`);
}

function chain(root: Code, segments: readonly SimpleSegment[]): Code {
  return segments.reduce((expr, s, i) => access(expr, s, i > 0), root);
}

function emitRule(ctx: Ctx, rule: BodyRuleIR): Code {
  const path = rule.path!;
  if (isSimplePath(path)) return emitSimpleRule(ctx, rule, path.segments);
  const match = emitMatcher(ctx, path);
  switch (rule.op) {
    case "remove":
      ctx.imports.set("removeHits", "transforms/json-ops.ts");
      return ts`removeHits(${match}, body);`;
    case "set":
      return ts`${match}(body, (p, k) => {
  p[k] = ${literal(rule.value)};
});`;
    case "add":
      return ts`${match}(body, (p, k) => {
  if (p[k] === undefined) p[k] = ${literal(rule.value)};
});`;
    case "replace":
      return ts`${match}(body, (p, k) => {
  const v = p[k];
  if (typeof v === "string") p[k] = v.replace(${pattern(ctx, rule)}, ${rule.with});
});`;
  }
}

/** Direct property access; `body` is a JSON object (the runtime checks), so the first step needs no `?.`. */
function emitSimpleRule(ctx: Ctx, rule: BodyRuleIR, segments: readonly SimpleSegment[]): Code {
  const last = segments[segments.length - 1]!;
  const prefix = segments.slice(0, -1);
  const root = code("body");
  if (rule.op === "replace") {
    const target = access(prefix.length ? code("p") : root, last);
    const parent = prefix.length ? ts`const p = ${chain(root, prefix)};\n` : code("");
    const guard = prefix.length ? ts`typeof ${access(code("p"), last, true)} === "string"` : ts`typeof ${target} === "string"`;
    return ts`{
  ${parent}if (${guard}) ${target} = ${target}.replace(${pattern(ctx, rule)}, ${rule.with});
}`;
  }
  if (rule.op === "remove") {
    if (prefix.length === 0) return ts`delete ${access(root, last)};`;
    const parent = chain(root, prefix);
    if (last.kind === "index") return ts`{
  const p = ${parent};
  if (Array.isArray(p)) p.splice(${code(String(last.index))}, 1);
}`;
    return ts`{
  const p = ${parent};
  if (typeof p === "object" && p !== null) delete ${access(code("p"), last)};
}`;
  }
  // set / add: missing parent objects are created on the way (child()), as a writer would expect.
  const value = literal(rule.value);
  const absent = rule.op === "add";
  if (prefix.length === 0) {
    const target = access(root, last);
    return absent ? ts`${target} ??= ${value};` : ts`${target} = ${value};`;
  }
  ctx.imports.set("child", "transforms/json-ops.ts");
  const parent = prefix.reduce<Code>((expr, s) => ts`child(${expr}, ${s.kind === "index" ? code(String(s.index)) : literal(s.name)})`, root);
  const target = access(code("p"), last);
  const guard =
    last.kind === "index"
      ? ts`Array.isArray(p) && ${code(String(last.index))} <= p.length${absent ? ts` && ${target} === undefined` : code("")}`
      : ts`p !== undefined && !Array.isArray(p)${absent ? ts` && ${target} === undefined` : code("")}`;
  return ts`{
  const p = ${parent};
  if (${guard}) ${target} = ${value};
}`;
}

/**
 * A matcher for a wildcard or filter path: nested loops over the selected containers, each filter written
 * out as a comparison, calling `hit(parent, key)` for every selected location.
 */
function emitMatcher(ctx: Ctx, path: JsonPath): Code {
  ctx.imports.set("Hit", "transforms/types.ts");
  const fn = name(`${ctx.prefix}Match${ctx.matchers++}`);
  const body = walk(path.segments, 0, code("root"), ctx);
  ctx.decls.push(ts`${comment(path.source)}
function ${fn}(root: any, hit: Hit): void {
  ${body}
}`);
  return fn;
}

function walk(segments: readonly Segment[], i: number, node: Code, ctx: Ctx): Code {
  const segment = segments[i]!;
  const last = i === segments.length - 1;
  if (segment.kind === "name" || segment.kind === "index") {
    const k = segment.kind === "index" ? code(String(segment.index)) : literal(segment.name);
    if (last) return ts`if (typeof ${node} === "object" && ${node} !== null) hit(${node}, ${k});`;
    const next = name(`n${i + 1}`);
    return ts`const ${next} = ${access(node, segment, true)};
${walk(segments, i + 1, next, ctx)}`;
  }
  ctx.imports.set("keysOf", "transforms/json-ops.ts");
  const k = name(`k${i}`);
  const element = code(`${node.text}[${k.text}]`);
  if (last) {
    const test = segment.kind === "filter" ? filterTest(segment, element) : null;
    return test === null
      ? ts`for (const ${k} of keysOf(${node})) hit(${node}, ${k});`
      : ts`for (const ${k} of keysOf(${node})) if (${test}) hit(${node}, ${k});`;
  }
  const next = name(`n${i + 1}`);
  const inner = walk(segments, i + 1, next, ctx);
  const test = segment.kind === "filter" ? filterTest(segment, next) : null;
  return ts`for (const ${k} of keysOf(${node})) {
  const ${next} = ${element};
  ${test === null ? inner : ts`if (${test}) {
  ${inner}
}`}
}`;
}

const JS_OPS = { "==": "===", "!=": "!==", "<": "<", "<=": "<=", ">": ">", ">=": ">=" } as const;

function filterTest(segment: Extract<Segment, { kind: "filter" }>, element: Code): Code {
  const field = segment.path.reduce((expr, s) => access(expr, s, true), element);
  if (segment.test === null) return ts`${field} !== undefined`;
  return ts`${field} ${code(JS_OPS[segment.test.op])} ${literal(segment.test.value satisfies Literal)}`;
}
