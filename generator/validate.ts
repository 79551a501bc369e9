// Semantic checks: what JSON Schema cannot say about routes.yaml (cross-references, precedence,
// per-kind fields, `${VAR}` syntax). They run even when the schema found errors, so one build reports
// everything; every access is therefore defensive and a check skips values of the wrong shape
// (the schema has already reported those).
import { isIP } from "node:net";
import type { ClientApi, ProviderKind } from "./ir.ts";
import type { Diagnostic, PathSegment, SourceLocator } from "./diagnostics.ts";
import { toPointer } from "./diagnostics.ts";
import { withSuggestion } from "./did-you-mean.ts";
import { globCovers, globMatches, isGlob } from "./glob.ts";
import { CLIENT_APIS, ENV_REFERENCE_HINT, headerPattern, parseEnvString, routeApis } from "./resolve.ts";
import { checkReplace, checkTransforms } from "./transforms/check.ts";
import { parsePathGlob, pathGlobMatches, pathGlobsOverlap, TRANSLATED_PATHS } from "./passthrough-paths.ts";

const PROVIDER_KINDS: readonly ProviderKind[] = ["openai", "anthropic", "azure-openai", "gemini", "ollama", "scenario", "command"];
const HTTP_FIELDS = ["base_url", "api_key", "headers", "timeouts", "max_connections", "queue", "tls", "body_limit", "response_limit", "transforms", "price"] as const;
/** The fields each kind takes besides `kind`; any other provider field is an error for it. */
const KIND_FIELDS: Record<ProviderKind, readonly string[]> = {
  openai: [...HTTP_FIELDS, "responses"],
  anthropic: HTTP_FIELDS,
  ollama: HTTP_FIELDS,
  "azure-openai": [...HTTP_FIELDS, "api_version", "responses"],
  gemini: [...HTTP_FIELDS, "vertex"],
  scenario: ["file", "speed", "tools_profile", "strict", "price"],
  command: ["command", "args", "prompt", "timeout_ms", "max_concurrent", "env", "price"],
};
const ALL_FIELDS = [...new Set(Object.values(KIND_FIELDS).flat())];
/** Fields a kind cannot do without: [field, hint]. */
const REQUIRED_FIELDS: Partial<Record<ProviderKind, ReadonlyArray<readonly [string, string]>>> = {
  scenario: [["file", "file: path of the scenario, relative to routes.yaml"]],
  command: [["command", "command: the executable to run, e.g. claude"]],
  "azure-openai": [["base_url", "base_url: https://<resource>.openai.azure.com"]],
};

/** Every semantic problem in a parsed config, in no particular order (load.ts sorts them). */
export function checkConfig(config: unknown, at: SourceLocator): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report: Report = (code, path, where, message, hint, severity = "error") => {
    const span =
      where === "key" ? at.key(path) : where === "value" ? at.value(path) : at.within(path, where.fragment);
    diagnostics.push({
      file: at.file,
      ...span,
      code,
      pointer: toPointer(path),
      message,
      ...(hint === undefined ? {} : { hint }),
      severity,
    });
  };
  if (!isRecord(config)) return diagnostics;

  const providers = isRecord(config.providers) ? config.providers : {};
  const kinds = new Map<string, ProviderKind>();
  for (const [name, provider] of Object.entries(providers)) {
    const kind = isRecord(provider) ? provider.kind : undefined;
    if (typeof kind === "string" && (PROVIDER_KINDS as readonly string[]).includes(kind)) {
      kinds.set(name, kind as ProviderKind);
    }
  }

  const ctx: Context = { at, report, names: new Set(Object.keys(providers)), kinds };
  checkProviders(providers, ctx);
  checkRedis(config.redis, ["redis"], report);
  checkTelemetry(config.telemetry, ["telemetry"], report);
  checkAccess(config, [], report);
  checkLogs(config.logs, ["logs"], report);
  checkEnvironments(config.environments, ctx);
  checkRoutes(config.routes, ctx);
  checkPassthrough(config.passthrough, config.routes, ctx);
  return diagnostics;
}

/** Records a diagnostic at the key or value of `path`, or at a fragment of a scalar's source. */
export type Report = (
  code: string,
  path: readonly PathSegment[],
  where: "key" | "value" | { fragment: string },
  message: string,
  hint?: string,
  severity?: "error" | "warning",
) => void;

interface Context {
  at: SourceLocator;
  report: Report;
  /** Every defined provider, whatever the state of its fields. */
  names: ReadonlySet<string>;
  /** Providers whose `kind` is valid. */
  kinds: ReadonlyMap<string, ProviderKind>;
}

function checkProviders(providers: Record<string, unknown>, { kinds, report }: Context): void {
  for (const [name, provider] of Object.entries(providers)) {
    if (!isRecord(provider)) continue;
    const path = ["providers", name];
    const kind = kinds.get(name);
    if (kind !== undefined) {
      checkFieldsForKind(provider, kind, path, report, true);
      for (const [field, hint] of REQUIRED_FIELDS[kind] ?? []) {
        if (provider[field] === undefined) report("bad-value", path, "key", `${kind} provider "${name}" needs a "${field}"`, hint);
      }
    }
    checkProviderValues(provider, path, report);
    checkTransforms(provider.transforms, [...path, "transforms"], report);
  }
}

function checkEnvironments(environments: unknown, ctx: Context): void {
  const { kinds, names, report } = ctx;
  if (!isRecord(environments)) return;
  for (const [env, overlay] of Object.entries(environments)) {
    if (isRecord(overlay)) checkRedis(overlay.redis, ["environments", env, "redis"], report);
    if (isRecord(overlay)) checkTelemetry(overlay.telemetry, ["environments", env, "telemetry"], report);
    if (isRecord(overlay)) checkAccess(overlay, ["environments", env], report);
    if (isRecord(overlay)) checkLogs(overlay.logs, ["environments", env, "logs"], report);
    if (!isRecord(overlay) || !isRecord(overlay.providers)) continue;
    for (const [name, override] of Object.entries(overlay.providers)) {
      const path = ["environments", env, "providers", name];
      const kind = kinds.get(name);
      if (!names.has(name)) {
        report(
          "unknown-env-provider",
          path,
          "key",
          withSuggestion(`environment "${env}" overrides unknown provider "${name}"`, name, names),
          definedProvidersHint(names),
        );
        continue;
      }
      if (!isRecord(override)) continue;
      if (kind !== undefined) checkFieldsForKind(override, kind, path, report, false);
      checkProviderValues(override, path, report);
      checkTransforms(override.transforms, [...path, "transforms"], report);
    }
  }
}

/** Fields that only make sense for the other family of provider kinds are errors, not silently ignored. */
function checkFieldsForKind(
  provider: Record<string, unknown>,
  kind: ProviderKind,
  path: readonly PathSegment[],
  report: Report,
  withKind: boolean,
): void {
  const own = KIND_FIELDS[kind];
  const foreign = ALL_FIELDS.filter((field) => !own.includes(field));
  const article = /^[aeiou]/.test(kind) ? "an" : "a";
  for (const field of foreign) {
    if (provider[field] === undefined) continue;
    report(
      "bad-value",
      [...path, field],
      "key",
      `"${field}" does not apply to ${article} ${kind} provider`,
      `${kind} providers take: ${[...(withKind ? ["kind"] : []), ...own].join(", ")}`,
    );
  }
}

/** `${VAR}` syntax in the strings resolved at start, and base_url's shape when it is a literal. */
function checkProviderValues(provider: Record<string, unknown>, path: readonly PathSegment[], report: Report): void {
  const envStrings: Array<[PathSegment[], unknown]> = [
    [[...path, "base_url"], provider.base_url],
    [[...path, "api_key"], provider.api_key],
  ];
  if (isRecord(provider.headers)) {
    for (const [header, value] of Object.entries(provider.headers)) envStrings.push([[...path, "headers", header], value]);
  }
  if (isRecord(provider.env)) {
    for (const [variable, value] of Object.entries(provider.env)) envStrings.push([[...path, "env", variable], value]);
  }
  if (Array.isArray(provider.args)) provider.args.forEach((arg, i) => envStrings.push([[...path, "args", i], arg]));
  if (isRecord(provider.vertex)) envStrings.push([[...path, "vertex", "credentials_file"], provider.vertex.credentials_file]);
  if (isRecord(provider.tls)) envStrings.push([[...path, "tls", "ca_file"], provider.tls.ca_file]);
  for (const [valuePath, value] of envStrings) {
    if (typeof value !== "string") continue;
    const parsed = parseEnvString(value);
    if (!parsed.ok) {
      report("bad-env-reference", valuePath, { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
      continue;
    }
    const literal = parsed.value.parts.every((part) => "text" in part);
    if (valuePath[valuePath.length - 1] === "base_url" && literal && !isHttpUrl(value)) {
      report("bad-value", valuePath, "value", `invalid base_url "${value}": expected an http:// or https:// URL`);
    }
  }
}

/**
 * `redis.url`: `${VAR}` syntax, and a literal's scheme (an empty url is allowed: it means in-process state).
 * A wrong url would otherwise only show up at run time, as a warning and silently unshared limits.
 */
function checkRedis(redis: unknown, path: readonly PathSegment[], report: Report): void {
  if (!isRecord(redis) || typeof redis.url !== "string") return;
  const urlPath = [...path, "url"];
  const parsed = parseEnvString(redis.url);
  if (!parsed.ok) {
    report("bad-env-reference", urlPath, { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
    return;
  }
  const literal = parsed.value.parts.every((part) => "text" in part);
  if (literal && redis.url !== "" && !isRedisUrl(redis.url)) {
    report("bad-value", urlPath, "value", `invalid redis url "${redis.url}": expected redis://host:port or rediss://host:port`, "an empty url (or ${REDIS_URL:-}) keeps rate-limit state in this process");
  }
}

/**
 * `telemetry.otlp`: `${VAR}` syntax in the endpoint and headers, and a literal endpoint's shape. The endpoint
 * is used as is (OTLP's signal-specific URL), so one without a path would POST spans to "/": a warning.
 */
function checkTelemetry(telemetry: unknown, path: readonly PathSegment[], report: Report): void {
  if (!isRecord(telemetry) || !isRecord(telemetry.otlp)) return;
  const otlp = telemetry.otlp;
  const otlpPath = [...path, "otlp"];
  const strings: Array<[PathSegment[], unknown]> = [[[...otlpPath, "endpoint"], otlp.endpoint]];
  if (isRecord(otlp.headers)) {
    for (const [header, value] of Object.entries(otlp.headers)) strings.push([[...otlpPath, "headers", header], value]);
  }
  for (const [valuePath, value] of strings) {
    if (typeof value !== "string") continue;
    const parsed = parseEnvString(value);
    if (!parsed.ok) report("bad-env-reference", valuePath, { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
  }
  const endpoint = otlp.endpoint;
  if (typeof endpoint !== "string" || endpoint === "") return;
  const parsed = parseEnvString(endpoint);
  // One that names a variable is checked at start, when it is known.
  if (!parsed.ok || !parsed.value.parts.every((part) => "text" in part)) return;
  const endpointPath = [...otlpPath, "endpoint"];
  if (!isHttpUrl(endpoint)) {
    report("bad-value", endpointPath, "value", `invalid OTLP endpoint "${endpoint}": expected an http:// or https:// URL`, "e.g. http://collector:4318/v1/traces, or ${OTLP_ENDPOINT:-} (empty: no tracing)");
  } else if (new URL(endpoint).pathname === "/") {
    report(
      "bad-value",
      endpointPath,
      "value",
      `OTLP endpoint "${endpoint}" has no path: it is used as is, so spans would be sent to "/"`,
      `the OTLP/HTTP traces path is /v1/traces: ${endpoint.replace(/\/?$/, "/v1/traces")}`,
      "warning",
    );
  }
}

/** `store`, `server.tls` and `server.trust_proxy`, at the top level or in an environment: mistakes that would otherwise only show at start. */
function checkAccess(config: Record<string, unknown>, path: readonly PathSegment[], report: Report): void {
  if (typeof config.store === "string") {
    const storePath = [...path, "store"];
    const parsed = parseEnvString(config.store);
    if (!parsed.ok) report("bad-env-reference", storePath, { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
    else if (parsed.value.parts.every((part) => "text" in part) && !isStoreUrl(config.store)) {
      report("bad-value", storePath, "value", `invalid store "${config.store}": expected sqlite:PATH or postgres://…`, "e.g. sqlite:data/switchyard.db, or ${DATABASE_URL} for postgres://user:password@host:5432/db");
    }
  }
  const server = config.server;
  if (isRecord(server) && isRecord(server.tls)) {
    for (const field of ["cert", "key"] as const) {
      const value = server.tls[field];
      if (typeof value !== "string") continue;
      const parsed = parseEnvString(value);
      if (!parsed.ok) report("bad-env-reference", [...path, "server", "tls", field], { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
    }
  }
  if (!isRecord(server) || !Array.isArray(server.trust_proxy)) return;
  server.trust_proxy.forEach((entry, index) => {
    if (typeof entry === "string" && !isAddressOrRange(entry)) {
      report("bad-value", [...path, "server", "trust_proxy", index], "value", `invalid proxy address "${entry}": expected an IP address or a CIDR range`, "e.g. 10.0.0.0/8, 192.168.1.10 or fd00::/8");
    }
  });
}

/**
 * `logs`: the sink's `${VAR}` syntax and, when literal, its form; each `redact` rule's regex (compiles, no
 * catastrophic backtracking) and JSONPath, exactly as a body transform's replace rule is checked.
 */
function checkLogs(logs: unknown, path: readonly PathSegment[], report: Report): void {
  if (!isRecord(logs)) return;
  if (typeof logs.sink === "string") {
    const sinkPath = [...path, "sink"];
    const parsed = parseEnvString(logs.sink);
    if (!parsed.ok) report("bad-env-reference", sinkPath, { fragment: parsed.fragment }, parsed.message, ENV_REFERENCE_HINT);
    else if (parsed.value.parts.every((part) => "text" in part) && !isSinkUrl(logs.sink)) {
      report("bad-value", sinkPath, "value", `invalid logs.sink "${logs.sink}": expected jsonl, sqlite:PATH or postgres://…`, "jsonl writes files in logs.dir; e.g. sqlite:data/requests.db, or ${LOG_DATABASE_URL} for postgres://user:password@host:5432/db");
    }
  }
  if (Array.isArray(logs.redact)) {
    logs.redact.forEach((rule, i) => {
      if (isRecord(rule)) checkReplace(rule, [...path, "redact", i], report);
    });
  }
}

function isSinkUrl(text: string): boolean {
  return text === "jsonl" || (/^sqlite:.+/.test(text) && !text.startsWith("sqlite://") && text !== "sqlite::memory:") || /^postgres(ql)?:\/\/[^/]/.test(text);
}

function isStoreUrl(text: string): boolean {
  return /^sqlite:.+/.test(text) || /^postgres(ql)?:\/\/[^/]/.test(text);
}

function isAddressOrRange(text: string): boolean {
  const [address, prefix, ...rest] = text.split("/");
  const family = isIP(address ?? "");
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function isRedisUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "redis:" || url.protocol === "rediss:") && url.host !== "";
  } catch {
    return false;
  }
}

interface RouteFacts {
  index: number;
  model: string;
  apis: ClientApi[];
  line: number;
  /** The route's `when` as canonical JSON (keys sorted), null for an unconditional route. */
  when: string | null;
}

/** Client headers a `when.header` can never see: they are read as the client key, or belong to the connection. */
const UNSEEN_HEADERS = new Set(["authorization", "x-api-key", "api-key", "cookie", "host", "content-length", "connection", "transfer-encoding"]);

/** `when` on a route: header patterns compile and header names are visible. */
function checkWhen(route: Record<string, unknown>, path: readonly PathSegment[], report: Report): void {
  const when = route.when;
  if (!isRecord(when)) return;
  if (!isRecord(when.header)) return;
  for (const [header, value] of Object.entries(when.header)) {
    if (UNSEEN_HEADERS.has(header.toLowerCase())) {
      report(
        "bad-value",
        [...path, "when", "header", header],
        "key",
        `header "${header}" is never visible to a route condition`,
        header.toLowerCase() === "authorization" || header.toLowerCase().endsWith("api-key") ? "match the caller's key with when.client_key (key ids)" : undefined,
      );
    }
    if (typeof value !== "string") continue;
    const pattern = headerPattern(value);
    if (pattern === null) continue;
    if (/[gy]/.test(pattern.flags)) {
      report("bad-regex", [...path, "when", "header", header], "value", `flag "${/[gy]/.exec(pattern.flags)![0]}" makes a pattern remember where it last matched`, "use only the flags i, m, s and u");
      continue;
    }
    try {
      new RegExp(pattern.source, pattern.flags);
    } catch (error) {
      report("bad-regex", [...path, "when", "header", header], "value", (error as Error).message, "write /pattern/flags with a JavaScript regular expression, or a plain value to compare exactly");
    }
  }
}

/** `weight` only means something to a balancer. */
function checkWeights(route: Record<string, unknown>, targets: readonly unknown[], path: readonly PathSegment[], report: Report): void {
  if (route.balance !== undefined) return;
  targets.forEach((target, t) => {
    if (!isRecord(target) || target.weight === undefined) return;
    report(
      "bad-value",
      [...path, "targets", t, "weight"],
      "key",
      `"weight" has no effect: route /${path.join("/")} has no "balance"`,
      "add balance: { strategy: weighted } to the route, or remove the weight",
    );
  });
}

/** Provider kinds whose API has a model list Switchyard can read (Azure lists base models, not deployments). */
const LISTING_KINDS: ReadonlySet<ProviderKind | undefined> = new Set(["openai", "anthropic", "gemini", "ollama"]);

/** `list_models` belongs to glob routes: examples match the glob, and `upstream` needs a provider to ask. */
function checkListModels(route: Record<string, unknown>, targets: readonly unknown[], kinds: ReadonlyArray<ProviderKind | undefined>, path: readonly PathSegment[], report: Report): void {
  const list = route.list_models;
  if (!isRecord(list) || typeof route.model !== "string") return;
  const model = route.model;
  if (!isGlob(model)) {
    report("bad-value", [...path, "list_models"], "key", `"list_models" has no effect: route model "${model}" is not a glob, and exact models are listed already`, "remove list_models, or use it on a route whose model has * or ?");
    return;
  }
  if (Array.isArray(list.examples)) {
    list.examples.forEach((example, i) => {
      if (typeof example === "string" && example !== "" && !globMatches(model, example)) {
        report("bad-value", [...path, "list_models", "examples", i], "value", `example "${example}" does not match the route's model "${model}"`, "list names this route serves: a client asking for them must reach it");
      }
    });
  }
  if (list.upstream === true) {
    // Only a target that forwards the client's model can serve what an upstream lists.
    const asks = targets.some((target, t) => isRecord(target) && target.model === undefined && LISTING_KINDS.has(kinds[t]));
    if (!asks) {
      report(
        "bad-value",
        [...path, "list_models", "upstream"],
        "value",
        `no target of this route can list models: none forwards the client's model to an openai, anthropic, gemini or ollama provider`,
        "declare the names with list_models.examples instead",
      );
    }
  }
}

/** Canonical text of a `when` map, so two routes with the same conditions compare equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key.toLowerCase())}:${canonical(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function checkRoutes(routes: unknown, { at, report, names, kinds }: Context): void {
  if (!Array.isArray(routes)) return;
  const facts: RouteFacts[] = [];
  const ids = new Map<string, number>();

  routes.forEach((route: unknown, index) => {
    if (!isRecord(route)) return;
    const path: PathSegment[] = ["routes", index];
    const targets = Array.isArray(route.targets) ? route.targets : [];

    // Unknown providers.
    const targetKinds = targets.map((target: unknown, t): ProviderKind | undefined => {
      if (!isRecord(target) || typeof target.provider !== "string") return undefined;
      const name = target.provider;
      if (!names.has(name)) {
        report(
          "unknown-provider",
          [...path, "targets", t, "provider"],
          "value",
          withSuggestion(`unknown provider "${name}"`, name, names),
          definedProvidersHint(names),
        );
      }
      return kinds.get(name);
    });

    const explicitApi = parseApi(route.api);
    checkTransforms(route.transforms, [...path, "transforms"], report);
    checkHttpOnlySettings(route, targets, targetKinds, path, report);
    checkRetry(route.retry, [...path, "retry"], report);
    checkWhen(route, path, report);
    checkWeights(route, targets, path, report);
    checkListModels(route, targets, targetKinds, path, report);
    checkRecord(route, targetKinds, path, report);

    if (typeof route.id === "string") {
      const first = ids.get(route.id);
      if (first === undefined) ids.set(route.id, index);
      else {
        report(
          "duplicate-route-id",
          [...path, "id"],
          "value",
          `duplicate route id "${route.id}": /routes/${first} (line ${at.value(["routes", first]).line}) already uses it`,
        );
      }
    }

    if (typeof route.model === "string" && route.model !== "" && explicitApi !== "invalid") {
      facts.push({
        index,
        model: route.model,
        apis: routeApis(explicitApi, targetKinds),
        line: at.value(path).line,
        when: isRecord(route.when) ? canonical(route.when) : null,
      });
    }
  });

  checkPrecedence(facts, report);
}

/** Kinds answered inside the gateway rather than over HTTP: no headers or JSON body to rewrite, no key to forward. */
const LOCAL_KINDS: ReadonlySet<ProviderKind> = new Set(["scenario", "command"]);
const SCENARIO_KIND: ReadonlySet<ProviderKind> = new Set(["scenario"]);

/**
 * Whether a route has targets and all are of the `accepted` kinds, so that a setting acting on other kinds
 * only can never take effect. `kinds` has one entry per target, undefined (not accepted) for an unknown provider.
 */
function everyTargetIs(kinds: ReadonlyArray<ProviderKind | undefined>, accepted: ReadonlySet<ProviderKind>): boolean {
  return kinds.length > 0 && kinds.every((kind) => kind !== undefined && accepted.has(kind));
}

/** `record` on a route that only plays scenarios would record the recording: an error. */
function checkRecord(
  route: Record<string, unknown>,
  kinds: ReadonlyArray<ProviderKind | undefined>,
  path: readonly PathSegment[],
  report: Report,
): void {
  if (!isRecord(route.record) || !everyTargetIs(kinds, SCENARIO_KIND)) return;
  report(
    "bad-value",
    [...path, "record"],
    "key",
    "\"record\" has no effect: every target of this route is a scenario, which is already a recording",
    "record the route that reaches the live providers, then play the file with a scenario provider",
  );
}

/**
 * `transforms` and `forward_client_key` act on HTTP requests and responses; scenario and command targets have
 * neither headers nor a JSON body to rewrite, and no key to forward. On a route whose targets are all of that
 * sort the setting could never take effect: an error. On a mixed route it applies to the HTTP targets only: a
 * warning, since the rules written for one target silently not reaching its fallback is worth knowing.
 */
function checkHttpOnlySettings(
  route: Record<string, unknown>,
  targets: readonly unknown[],
  kinds: ReadonlyArray<ProviderKind | undefined>,
  path: readonly PathSegment[],
  report: Report,
): void {
  const settings = [
    ...(isRecord(route.transforms) ? ["transforms"] : []),
    ...(route.forward_client_key === true ? ["forward_client_key"] : []),
  ];
  if (settings.length === 0) return;
  const local = targets.flatMap((target, t) => {
    const kind = kinds[t];
    if (!isRecord(target) || kind === undefined || !LOCAL_KINDS.has(kind)) return [];
    return [`${kind} "${String(target.provider)}" (/${[...path, "targets", t].join("/")})`];
  });
  if (local.length === 0) return;
  // Targets of an unknown provider (reported already) are left out: the known ones decide error or warning.
  const allLocal = everyTargetIs(kinds.filter((kind) => kind !== undefined), LOCAL_KINDS);
  for (const setting of settings) {
    const what = setting === "transforms" ? "header and body rules act" : "a client key is forwarded";
    const hint =
      setting === "forward_client_key"
        ? "scenario and command targets never receive a client key"
        : allLocal
          ? "scenario answers and command output are not HTTP traffic: remove the rules"
          : "to rewrite one HTTP provider's traffic only, put the rules on it (providers.<name>.transforms)";
    report(
      "bad-value",
      [...path, setting],
      "key",
      allLocal
        ? `"${setting}" has no effect: ${what} only on HTTP targets, and every target here is local: ${local.join(", ")}`
        : `"${setting}" is ignored for ${local.join(", ")}: ${what} only on HTTP targets`,
      hint,
      allLocal ? "error" : "warning",
    );
  }
}

/** A backoff whose first step exceeds its cap would never grow: almost certainly swapped values. */
function checkRetry(retry: unknown, path: readonly PathSegment[], report: Report): void {
  if (!isRecord(retry) || typeof retry.base_ms !== "number" || typeof retry.max_ms !== "number") return;
  if (retry.base_ms > retry.max_ms) {
    report("bad-value", [...path, "base_ms"], "value", `base_ms ${retry.base_ms} is above max_ms ${retry.max_ms}`, "backoff starts at base_ms and doubles up to max_ms");
  }
}

/** A route's explicit `api`, undefined when absent, "invalid" when the schema rejected it. */
function parseApi(api: unknown): ClientApi[] | undefined | "invalid" {
  if (api === undefined) return undefined;
  const list = typeof api === "string" ? [api] : api;
  if (!Array.isArray(list) || list.length === 0) return "invalid";
  if (!list.every((a) => (CLIENT_APIS as readonly unknown[]).includes(a))) return "invalid";
  return [...new Set(list as ClientApi[])]; // duplicates are the schema's to report
}

/**
 * Exact names are looked up before globs, and globs in declaration order. Routes with `when` for the same
 * name are tried in declaration order before the unconditional one: so an unconditional route for a name
 * makes every later route for it dead (twice unconditional is a duplicate), as does an earlier route with
 * the same conditions. A glob is dead when an earlier unconditional glob matches everything it matches.
 */
function checkPrecedence(routes: readonly RouteFacts[], report: Report): void {
  routes.forEach((route, position) => {
    const earlier = routes.slice(0, position).filter((other) => overlap(other.apis, route.apis).length > 0);
    const same = earlier.find((other) => other.model === route.model && (other.when === null || other.when === route.when));
    if (same !== undefined && (same.when !== null || route.when !== null)) {
      const why = same.when === null ? "serves every request for it" : "has the same conditions";
      report(
        "shadowed-route",
        ["routes", route.index, route.when === null ? "model" : "when"],
        route.when === null ? "value" : "key",
        `route for model "${route.model}" is never reached: /routes/${same.index} (line ${same.line}) ${why} for ${overlap(same.apis, route.apis).join(" and ")}`,
        `routes for one model are tried in order and the first whose "when" holds wins: move this route above /routes/${same.index}${same.when === null ? "" : ", or change its conditions"}`,
      );
      return;
    }
    if (same !== undefined) {
      report(
        "duplicate-route",
        ["routes", route.index, "model"],
        "value",
        `duplicate route for model "${route.model}": /routes/${same.index} (line ${same.line}) already serves it for ${overlap(same.apis, route.apis).join(" and ")}`,
      );
      return;
    }
    if (!isGlob(route.model)) return;
    // Dead only if, for every API it serves, some earlier glob serving that API covers it.
    const shadowers = route.apis.map((api) =>
      // A conditional glob lets what its condition refuses through to later globs: only unconditional ones shadow.
      earlier.find((other) => other.apis.includes(api) && other.when === null && isGlob(other.model) && globCovers(other.model, route.model)),
    );
    if (shadowers.length === 0 || shadowers.some((s) => s === undefined)) return;
    const by = shadowers as RouteFacts[];
    const where = (other: RouteFacts) => `"${other.model}" (/routes/${other.index}, line ${other.line})`;
    const distinct = [...new Set(by)];
    const because =
      distinct.length === 1
        ? `the earlier glob ${where(distinct[0]!)} matches every model it matches`
        : `earlier globs match every model it matches: ${by.map((other, i) => `${where(other)} for ${route.apis[i]}`).join(", ")}`;
    const earliest = Math.min(...distinct.map((other) => other.index));
    report(
      "shadowed-route",
      ["routes", route.index, "model"],
      "value",
      `route "${route.model}" is never reached: ${because}`,
      `globs are tried in order: move this route above /routes/${earliest}`,
    );
  });
}

/**
 * `passthrough:` entries: a defined provider that speaks OpenAI's or Anthropic's API with the /v1 path layout
 * (kind openai or anthropic), ids unique among routes and entries, and path globs that are well formed,
 * leave every translated endpoint to its endpoint, and never share a path with another glob of the same
 * API (a request must have exactly one provider; the other API's globs are told apart by the client's
 * `anthropic-version` header or the /openai and /anthropic prefixes).
 */
function checkPassthrough(entries: unknown, routes: unknown, { at, report, names, kinds }: Context): void {
  if (!Array.isArray(entries)) return;
  const routeIds = new Map<string, number>();
  if (Array.isArray(routes)) routes.forEach((route, index) => isRecord(route) && typeof route.id === "string" && !routeIds.has(route.id) && routeIds.set(route.id, index));
  const ids = new Map<string, number>();
  const seen: Array<{ api: ClientApi; glob: string; path: PathSegment[] }> = [];
  entries.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) return;
    const path: PathSegment[] = ["passthrough", index];
    let api: ClientApi | null = null;
    if (typeof entry.provider === "string") {
      const name = entry.provider;
      const kind = kinds.get(name);
      if (!names.has(name)) {
        report("unknown-provider", [...path, "provider"], "value", withSuggestion(`unknown provider "${name}"`, name, names), definedProvidersHint(names));
      } else if (kind !== undefined && kind !== "openai" && kind !== "anthropic") {
        report(
          "bad-value",
          [...path, "provider"],
          "value",
          `provider "${name}" is ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} provider: pass-through forwards OpenAI and Anthropic API paths, so it needs an openai or anthropic provider`,
          "kind openai covers every OpenAI-compatible server whose base_url ends in /v1",
        );
      } else if (kind !== undefined) {
        api = kind;
      }
    }
    if (typeof entry.id === "string") {
      const other = ids.get(entry.id);
      const route = routeIds.get(entry.id);
      if (other !== undefined || route !== undefined) {
        const where = other !== undefined ? `/passthrough/${other} (line ${at.value(["passthrough", other]).line})` : `/routes/${route} (line ${at.value(["routes", route!]).line})`;
        report("duplicate-route-id", [...path, "id"], "value", `duplicate id "${entry.id}": ${where} already uses it`, "pass-through entries and routes share one set of ids (the request log's and metrics' route)");
      } else ids.set(entry.id, index);
    }
    if (!Array.isArray(entry.paths)) return;
    entry.paths.forEach((glob: unknown, p) => {
      if (typeof glob !== "string") return;
      const globPath = [...path, "paths", p];
      const parsed = parsePathGlob(glob);
      if (!parsed.ok) {
        report("bad-value", globPath, "value", parsed.message, parsed.hint);
        return;
      }
      const shadowed = TRANSLATED_PATHS.filter((translated) => pathGlobMatches(glob, translated));
      if (shadowed.length > 0) {
        report(
          "passthrough-shadows-endpoint",
          globPath,
          "value",
          `pass-through path "${glob}" covers ${shadowed.join(", ")}, which Switchyard serves itself`,
          "list the paths to forward without the translated ones, e.g. /v1/messages/batches/** rather than /v1/messages/**",
        );
        return;
      }
      if (api === null) return;
      const clash = seen.find((other) => other.api === api && pathGlobsOverlap(other.glob, glob));
      if (clash !== undefined) {
        const line = at.value(clash.path).line;
        report(
          "overlapping-passthrough",
          globPath,
          "value",
          `pass-through path "${glob}" shares paths with "${clash.glob}" (${toPointer(clash.path)}, line ${line}): a request must reach one provider`,
          `the ${api} API's paths may appear in one glob only; /openai/… and /anthropic/… prefixes or the anthropic-version header choose between an OpenAI and an Anthropic provider`,
        );
        return;
      }
      seen.push({ api, glob, path: globPath });
    });
  });
}

function overlap(a: readonly ClientApi[], b: readonly ClientApi[]): ClientApi[] {
  return a.filter((api) => b.includes(api));
}

function definedProvidersHint(names: ReadonlySet<string>): string {
  return names.size === 0 ? "no providers are defined" : `defined providers: ${[...names].join(", ")}`;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.host !== "";
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
