import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import type { ConfigIR, HttpProviderIR, ScenarioProviderIR } from "../../generator/ir.ts";
import {
  applyEnvironment,
  assignRouteIds,
  deriveRouteId,
  parseEnvString,
  parseSize,
  routeApis,
  type RoutesYaml,
} from "../../generator/resolve.ts";

function load(text: string, env?: string): ConfigIR {
  const result = loadConfig("routes.yaml", { text, ...(env === undefined ? {} : { env }) });
  // Made-up model names have no price: that warning is test/generator/prices.test.ts's subject, not this file's.
  expect(result.diagnostics.filter((d) => d.code !== "no-price")).toEqual([]);
  expect(result.ir).not.toBeNull();
  return result.ir!;
}

const http = (ir: ConfigIR, name: string) => ir.providers.find((p) => p.name === name) as HttpProviderIR;
const scenario = (ir: ConfigIR, name: string) => ir.providers.find((p) => p.name === name) as ScenarioProviderIR;

const OVERLAY = `
server:
  port: 9000
logs:
  bodies: false
providers:
  openai:
    kind: openai
    api_key: \${OPENAI_API_KEY}
    headers: { X-A: a, X-B: b }
    timeouts: { connect_ms: 500 }
  demo:
    kind: scenario
    file: scenarios/demo.yaml
routes:
  - model: gpt-4o
    targets: [{ provider: openai }]
environments:
  prod:
    server: { host: 0.0.0.0, body_limit: 8mb }
    logs: { dir: /var/log/switchyard }
    providers:
      openai:
        api_key: \${OPENAI_API_KEY_PROD}
        headers: { X-B: prod }
        timeouts: { first_byte_ms: 30000 }
      demo: { speed: 0, tools_profile: claude-code, strict: true }
  empty:
`;

describe("environment overlay", () => {
  it("deep-merges server, logs and provider fields over the base", () => {
    const ir = load(OVERLAY, "prod");
    expect(ir.env).toBe("prod");
    expect(ir.server).toEqual({ host: "0.0.0.0", port: 9000, bodyLimitBytes: 8 * 1024 ** 2, shutdownTimeoutMs: 10_000, trustProxy: [], tls: null });
    expect(ir.logs).toEqual({ dir: "/var/log/switchyard", maxSizeBytes: 100 * 1024 ** 2, bodies: false, sink: null, sinkPos: expect.any(Object), retentionDays: null, queueSize: null, redact: [], redactEmails: false, redactCards: false });
    const openai = http(ir, "openai");
    expect(openai.apiKey).toEqual({ parts: [{ env: "OPENAI_API_KEY_PROD" }] });
    expect(openai.headers).toEqual([
      { name: "X-A", value: { parts: [{ text: "a" }] } },
      { name: "X-B", value: { parts: [{ text: "prod" }] } },
    ]);
    expect(openai.timeouts).toEqual({ connectMs: 500, idleMs: 30_000, totalMs: 0, firstByteMs: 30_000 });
    expect(scenario(ir, "demo").speed).toBe(0);
    expect(scenario(ir, "demo")).toMatchObject({ toolsProfile: "claude-code", strict: true });
    // Unset in the base: absent from the IR, so the generated provider stays as it was (auto, not strict).
    const base = scenario(load(OVERLAY, "empty"), "demo");
    expect("toolsProfile" in base || "strict" in base).toBe(false);
  });

  it("takes server.tls from the environment that sets it, with its position, paths kept as ${VAR} parts", () => {
    const text = `
server:
  tls: { cert: "\${TLS_DIR}/cert.pem", key: "\${TLS_DIR}/key.pem" }
providers:
  demo: { kind: scenario, file: scenarios/demo.yaml }
routes:
  - model: demo
    targets: [{ provider: demo }]
environments:
  prod:
    server:
      tls: { cert: /etc/switchyard/cert.pem, key: "\${TLS_KEY_FILE}" }
`;
    const dev = load(text).server.tls!;
    expect(dev.cert).toEqual({ parts: [{ env: "TLS_DIR" }, { text: "/cert.pem" }] });
    expect(dev.pointer).toBe("/server/tls");
    expect(dev.certPos).toEqual({ file: "routes.yaml", line: 3, col: 16 });
    const prod = loadConfig("routes.yaml", { text, env: "prod" });
    // /etc/switchyard/cert.pem does not exist here: a warning at the overlay's line, and the IR still builds.
    expect(prod.diagnostics.map((d) => [d.code, d.severity, d.pointer, d.line])).toEqual([["missing-file", "warning", "/environments/prod/server/tls/cert", 12]]);
    expect(prod.ir!.server.tls).toMatchObject({ cert: { parts: [{ text: "/etc/switchyard/cert.pem" }] }, key: { parts: [{ env: "TLS_KEY_FILE" }] }, pointer: "/environments/prod/server/tls" });
  });

  it("leaves the base alone for dev and for an empty environment", () => {
    for (const env of [undefined, "empty"]) {
      const ir = load(OVERLAY, env);
      expect(ir.env).toBe(env ?? "dev");
      expect(ir.server.host).toBe("127.0.0.1");
      expect(http(ir, "openai").apiKey).toEqual({ parts: [{ env: "OPENAI_API_KEY" }] });
      expect(scenario(ir, "demo").speed).toBe(1);
    }
  });

  it("applies environments.dev when it exists", () => {
    const ir = load(`${OVERLAY.replace("  empty:\n", "")}  dev:\n    server: { port: 1234 }\n`);
    expect(ir.server.port).toBe(1234);
  });

  it("does not mutate the parsed config", () => {
    const config: RoutesYaml = {
      server: { port: 1 },
      providers: { p: { kind: "openai", headers: { a: "1" } } },
      routes: [],
      environments: { e: { server: { host: "h" }, providers: { p: { headers: { b: "2" } } } } },
    };
    const copy = structuredClone(config);
    expect(applyEnvironment(config, "e")).toMatchObject({
      server: { port: 1, host: "h" },
      providers: { p: { kind: "openai", headers: { a: "1", b: "2" } } },
    });
    expect(config).toEqual(copy);
  });
});

describe("logs: sink, retention and redaction", () => {
  const LOGS = `
logs:
  sink: sqlite:data/requests.db
  retention_days: 14
  redact:
    - { pattern: "ACME-[0-9]+" }
    - { pattern: "x", flags: "i", with: "y", path: "$.user" }
  redact_emails: true
providers:
  openai: { kind: openai }
routes:
  - model: gpt-4o
    targets: [{ provider: openai }]
environments:
  prod:
    logs:
      sink: \${LOG_DATABASE_URL}
      queue_size: 100
      redact:
        - { pattern: "secret" }
`;

  it("resolves the sink, retention, queue and the redact rules with their lines", () => {
    const ir = load(LOGS);
    expect(ir.logs).toMatchObject({ sink: { parts: [{ text: "sqlite:data/requests.db" }] }, sinkPos: { line: 3, col: 9 }, retentionDays: 14, queueSize: null, redactEmails: true, redactCards: false });
    expect(ir.logs.redact).toEqual([
      { op: "replace", pattern: "ACME-[0-9]+", flags: "", with: "[REDACTED]", path: null, pos: { file: "routes.yaml", line: 6, col: 7 } },
      { op: "replace", pattern: "x", flags: "i", with: "y", path: { source: "$.user", segments: [{ kind: "name", name: "user" }] }, pos: { file: "routes.yaml", line: 7, col: 7 } },
    ]);
  });

  it("takes an environment's sink and its whole redact list, at the overlay's lines", () => {
    const ir = load(LOGS, "prod");
    expect(ir.logs).toMatchObject({ sink: { parts: [{ env: "LOG_DATABASE_URL" }] }, sinkPos: { line: 17, col: 13 }, retentionDays: 14, queueSize: 100, redactEmails: true });
    expect(ir.logs.redact).toEqual([{ op: "replace", pattern: "secret", flags: "", with: "[REDACTED]", path: null, pos: { file: "routes.yaml", line: 20, col: 11 } }]);
  });
});

describe("defaults", () => {
  it("fills every default from the config reference", () => {
    const ir = load(`
providers:
  openai: { kind: openai }
  anthropic: { kind: anthropic }
  demo: { kind: scenario, file: demo.yaml }
routes:
  - model: gpt-4o
    targets: [{ provider: openai }]
`);
    expect(ir.server).toEqual({ host: "127.0.0.1", port: 8787, bodyLimitBytes: 4 * 1024 ** 2, shutdownTimeoutMs: 10_000, trustProxy: [], tls: null });
    expect(ir.logs).toEqual({ dir: "logs", maxSizeBytes: 100 * 1024 ** 2, bodies: true, sink: null, sinkPos: expect.any(Object), retentionDays: null, queueSize: null, redact: [], redactEmails: false, redactCards: false });
    expect(ir.access).toMatchObject({ auth: "auto", store: { parts: [{ text: "sqlite:data/switchyard.db" }] }, budgetMaxTokens: 4096 });
    expect(ir.providers.map((p) => p.name)).toEqual(["anthropic", "demo", "openai"]);
    expect(http(ir, "openai")).toMatchObject({
      kind: "openai",
      api: "openai",
      baseUrl: { parts: [{ text: "https://api.openai.com/v1" }] },
      apiKey: null,
      headers: [],
      timeouts: { connectMs: 10_000, firstByteMs: 120_000, idleMs: 120_000, totalMs: 0 },
      maxConnections: 128,
      // As many requests may wait for a connection as the pool holds, each for at most 5 s.
      queue: { max: 128, timeoutMs: 5000 },
    });
    expect(ir.routes[0]!.retry).toEqual({ maxAttempts: 2, baseMs: 250, maxMs: 4000, patienceMs: 5000, budget: 0.2 });
    expect(ir.routes[0]!.breaker).toEqual({ failures: 5, errorRate: 0.5, windowMs: 60_000, minRequests: 20, openMs: 30_000 });
    expect(http(ir, "anthropic").baseUrl).toEqual({ parts: [{ text: "https://api.anthropic.com" }] });
    expect(scenario(ir, "demo")).toMatchObject({ kind: "scenario", file: "demo.yaml", speed: 1 });
    expect(ir.routes[0]!.targets[0]!.model).toBeNull();
    expect(ir.dashboard).toEqual({ enabled: true, recentRequests: 500, historyHours: 24 });
  });

  it("bounds the wait for a provider's connections: queue.max follows max_connections unless set, each key on its own, an environment's over them", () => {
    const text = `
providers:
  small: { kind: openai, max_connections: 8 }
  sized: { kind: openai, max_connections: 8, queue: { max: 0 } }
  slow: { kind: anthropic, queue: { timeout_ms: 250 } }
environments:
  prod:
    providers:
      small: { queue: { max: 2, timeout_ms: 1000 } }
routes:
  - model: a
    targets: [{ provider: small }, { provider: sized }, { provider: slow }]
`;
    const ir = load(text);
    expect(http(ir, "small").queue).toEqual({ max: 8, timeoutMs: 5000 });
    expect(http(ir, "sized").queue).toEqual({ max: 0, timeoutMs: 5000 });
    expect(http(ir, "slow").queue).toEqual({ max: 128, timeoutMs: 250 });
    expect(http(load(text, "prod"), "small").queue).toEqual({ max: 2, timeoutMs: 1000 });
  });

  it("takes dashboard settings, each key defaulting on its own, and an environment's over them", () => {
    const text = `
dashboard: { recent_requests: 2000 }
providers:
  openai: { kind: openai }
routes:
  - model: gpt-4o
    targets: [{ provider: openai }]
environments:
  prod:
    dashboard: { enabled: false, history_hours: 6 }
`;
    expect(load(text).dashboard).toEqual({ enabled: true, recentRequests: 2000, historyHours: 24 });
    expect(load(text, "prod").dashboard).toEqual({ enabled: false, recentRequests: 2000, historyHours: 6 });
  });

  it("takes retry, breaker and timeout settings, each key defaulting on its own; breaker: false is null", () => {
    const ir = load(`
providers:
  openai: { kind: openai, timeouts: { first_byte_ms: 9000, total_ms: 60000 } }
  fast: { kind: openai, timeouts: { idle_ms: 700 } }
routes:
  - model: gpt-4o
    retry: { max_attempts: 4, patience_ms: 0 }
    breaker: { failures: 2, open_ms: 100 }
    targets: [{ provider: openai }]
  - model: gpt-4o-mini
    breaker: false
    targets: [{ provider: fast }]
`);
    expect(http(ir, "openai").timeouts).toEqual({ connectMs: 10_000, firstByteMs: 9000, idleMs: 9000, totalMs: 60_000 });
    expect(http(ir, "fast").timeouts).toEqual({ connectMs: 10_000, firstByteMs: 120_000, idleMs: 700, totalMs: 0 });
    expect(ir.routes[0]!.retry).toEqual({ maxAttempts: 4, baseMs: 250, maxMs: 4000, patienceMs: 0, budget: 0.2 });
    expect(ir.routes[0]!.breaker).toEqual({ failures: 2, errorRate: 0.5, windowMs: 60_000, minRequests: 20, openMs: 100 });
    expect(ir.routes[1]!.breaker).toBeNull();
  });

  it.each([
    [1000, 1000],
    ["512b", 512],
    ["512kb", 512 * 1024],
    ["4mb", 4 * 1024 ** 2],
    ["4MB", 4 * 1024 ** 2],
    ["1gb", 1024 ** 3],
    ["1.5kb", 1536],
  ])("parses size %j", (size, bytes) => {
    expect(parseSize(size)).toBe(bytes);
  });
});

describe("route ids", () => {
  it.each([
    ["gpt-4o", "gpt-4o"],
    ["claude-*", "claude-star"],
    ["ollama/*", "ollama-star"],
    ["openai/gpt-4.1", "openai-gpt-4-1"],
    ["GPT-4o", "gpt-4o"],
    ["gpt-4?", "gpt-4-"],
  ])("derives %s → %s", (model, id) => {
    expect(deriveRouteId(model)).toBe(id);
  });

  it("breaks collisions with -2, -3 in declaration order and lets explicit ids win", () => {
    expect(
      assignRouteIds([
        { model: "gpt-4o" },
        { model: "GPT-4o" },
        { model: "gpt-4o-2" },
        { id: "claude-star", model: "x" },
        { model: "claude-*" },
        { model: "gpt/4o" },
      ]),
    ).toEqual(["gpt-4o", "gpt-4o-2", "gpt-4o-2-2", "claude-star", "claude-star-2", "gpt-4o-3"]);
  });

  it("flows into the IR", () => {
    const ir = load(`
providers:
  demo: { kind: scenario, file: demo.yaml }
routes:
  - model: claude-*
    targets: [{ provider: demo }]
  - id: chat
    model: gpt-4o
    targets: [{ provider: demo }]
`);
    expect(ir.routes.map((r) => [r.id, r.glob])).toEqual([
      ["claude-star", true],
      ["chat", false],
    ]);
  });
});

describe("route apis", () => {
  it("infers from HTTP targets, serves both for scenario-only routes, and honours an explicit api", () => {
    const ir = load(`
providers:
  openai: { kind: openai }
  anthropic: { kind: anthropic }
  demo: { kind: scenario, file: demo.yaml }
routes:
  - model: gpt-4o
    targets: [{ provider: demo }, { provider: openai }]
  - model: claude-sonnet
    targets: [{ provider: anthropic }]
  - model: mock-*
    targets: [{ provider: demo }]
  - model: mock-openai
    api: openai
    targets: [{ provider: demo }]
  - model: mock-both
    api: [anthropic, openai]
    targets: [{ provider: demo }]
`);
    expect(ir.routes.map((r) => r.apis)).toEqual([
      ["openai"],
      ["anthropic"],
      ["openai", "anthropic"],
      ["openai"],
      ["openai", "anthropic"],
    ]);
  });

  it("ignores targets on unknown providers when inferring", () => {
    expect(routeApis(undefined, [undefined, "anthropic"])).toEqual(["anthropic"]);
    expect(routeApis(undefined, [undefined])).toEqual(["openai", "anthropic"]);
  });
});

describe("positions", () => {
  it("records routes, targets and providers", () => {
    const ir = load(`providers:
  openai:
    kind: openai
routes:
  - model: gpt-4o
    targets:
      - provider: openai
        model: gpt-4o-2024-08-06
`);
    expect(http(ir, "openai").pos).toEqual({ file: "routes.yaml", line: 2, col: 3 });
    expect(ir.routes[0]!.pos).toEqual({ file: "routes.yaml", line: 5, col: 5 });
    expect(ir.routes[0]!.targets[0]!.pos).toEqual({ file: "routes.yaml", line: 7, col: 9 });
  });
});

describe("parseEnvString", () => {
  it.each([
    ["plain", [{ text: "plain" }]],
    ["", []],
    ["${KEY}", [{ env: "KEY" }]],
    ["${KEY:-}", [{ env: "KEY", fallback: "" }]],
    ["${BASE:-https://x.test/v1}", [{ env: "BASE", fallback: "https://x.test/v1" }]],
    ["Bearer ${_K1} and ${K2:-a:b}!", [{ text: "Bearer " }, { env: "_K1" }, { text: " and " }, { env: "K2", fallback: "a:b" }, { text: "!" }]],
    ["cost $5 {x}", [{ text: "cost $5 {x}" }]],
  ])("parses %j", (input, parts) => {
    expect(parseEnvString(input)).toEqual({ ok: true, value: { parts } });
  });

  it.each([
    ["${KEY", "${KEY", /unterminated/],
    ["a ${1KEY} b", "${1KEY}", /invalid variable name "1KEY"/],
    ["${KEY-x}", "${KEY-x}", /invalid variable name "KEY-x"/],
    ["${KEY:x}", "${KEY:x}", /unsupported reference/],
    ["${A:-${B}}", "${A:-${B}", /nested reference/],
    ["${}", "${}", /empty variable name/],
  ])("rejects %j", (input, fragment, message) => {
    const parsed = parseEnvString(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.fragment).toBe(fragment);
      expect(parsed.message).toMatch(message);
    }
  });

  it("reaches the IR for api_key, base_url and headers", () => {
    const ir = load(`
providers:
  openrouter:
    kind: openai
    base_url: \${OPENROUTER_URL:-https://openrouter.ai/api/v1}
    api_key: \${OPENROUTER_API_KEY:-}
    headers: { HTTP-Referer: "https://\${SITE}/" }
routes:
  - model: x
    targets: [{ provider: openrouter }]
`);
    const provider = http(ir, "openrouter");
    expect(provider.baseUrl).toEqual({ parts: [{ env: "OPENROUTER_URL", fallback: "https://openrouter.ai/api/v1" }] });
    expect(provider.apiKey).toEqual({ parts: [{ env: "OPENROUTER_API_KEY", fallback: "" }] });
    expect(provider.headers).toEqual([
      { name: "HTTP-Referer", value: { parts: [{ text: "https://" }, { env: "SITE" }, { text: "/" }] } },
    ]);
  });
});

describe("the config reference example", () => {
  it("loads without diagnostics for dev and prod", () => {
    const text = `
server:
  host: 127.0.0.1
  port: 8787
  body_limit: 4mb
  shutdown_timeout_ms: 10000
logs:
  dir: logs
  max_size: 100mb
  bodies: true
providers:
  openai:
    kind: openai
    base_url: https://api.openai.com/v1
    api_key: \${OPENAI_API_KEY}
    headers:
      HTTP-Referer: https://example.com
    timeouts:
      connect_ms: 10000
      first_byte_ms: 120000
    max_connections: 128
  openrouter:
    kind: openai
    base_url: https://openrouter.ai/api/v1
    api_key: \${OPENROUTER_API_KEY:-}
  demo:
    kind: scenario
    file: scenarios/demo.yaml
    speed: 10
routes:
  - id: gpt-4o
    model: gpt-4o
    api: openai
    targets:
      - provider: openai
        model: gpt-4o-2024-08-06
      - provider: openrouter
        model: openai/gpt-4o
  - model: claude-*
    targets: [{ provider: demo }]
environments:
  prod:
    server: { host: 0.0.0.0, port: 8080, body_limit: 8mb }
    logs: { dir: /var/log/switchyard }
    providers:
      openai:
        api_key: \${OPENAI_API_KEY_PROD}
`;
    expect(load(text).server.port).toBe(8787);
    const prod = load(text, "prod");
    expect(prod.server).toEqual({ host: "0.0.0.0", port: 8080, bodyLimitBytes: 8 * 1024 ** 2, shutdownTimeoutMs: 10_000, trustProxy: [], tls: null });
    expect(prod.routes.map((r) => r.id)).toEqual(["gpt-4o", "claude-star"]);
  });
});

describe("telemetry", () => {
  const text = `
telemetry:
  otlp:
    endpoint: \${OTLP_ENDPOINT:-}
    headers: { x-tenant: eu, authorization: "Bearer \${OTLP_TOKEN}" }
providers:
  openai: { kind: openai }
routes:
  - model: gpt-4o
    targets: [{ provider: openai }]
environments:
  prod:
    telemetry:
      otlp: { endpoint: "https://otel.example.com/v1/traces", sample_ratio: 0.1, service_name: gw-prod }
  bare: {}
`;

  it("resolves the endpoint and headers for start-up (headers sorted), with service_name and sample_ratio defaults", () => {
    expect(load(text).telemetry).toMatchObject({
      endpoint: { parts: [{ env: "OTLP_ENDPOINT", fallback: "" }] },
      headers: [
        { name: "authorization", value: { parts: [{ text: "Bearer " }, { env: "OTLP_TOKEN" }] } },
        { name: "x-tenant", value: { parts: [{ text: "eu" }] } },
      ],
      serviceName: "switchyard",
      sampleRatio: 1,
      pos: { line: 2 },
    });
  });

  it("an environment overrides it field by field; without telemetry: no tracing", () => {
    const prod = load(text, "prod").telemetry!;
    expect(prod).toMatchObject({ endpoint: { parts: [{ text: "https://otel.example.com/v1/traces" }] }, serviceName: "gw-prod", sampleRatio: 0.1 });
    expect(prod.headers.map((h) => h.name)).toEqual(["authorization", "x-tenant"]);
    expect(prod.pos.line).toBe(13);
    expect(load(text.replace(/^telemetry:[\s\S]*?^providers:/m, "providers:").replace(/environments:[\s\S]*$/, "")).telemetry).toBeNull();
  });
});
