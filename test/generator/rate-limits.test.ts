// How rate_limits and redis resolve: route fields override the defaults one by one (null removes a limit),
// a route with its own rate_limits gets its own bucket scope, and environments override both.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import type { ConfigIR } from "../../generator/ir.ts";
import { resolveRateLimits } from "../../generator/resolve.ts";

function load(text: string, env?: string): ConfigIR {
  const result = loadConfig("routes.yaml", { text, ...(env === undefined ? {} : { env }) });
  // Made-up model names have no price: that warning is test/generator/prices.test.ts's subject, not this file's.
  expect(result.diagnostics.filter((d) => d.code !== "no-price")).toEqual([]);
  return result.ir!;
}

const CONFIG = `
redis: { url: "\${REDIS_URL:-}" }
rate_limits:
  per_key: { requests_per_minute: 60, tokens_per_minute: 1000 }
providers:
  openai: { kind: openai }
routes:
  - model: a
    targets: [{ provider: openai }]
  - model: b
    rate_limits:
      per_key: { tokens_per_minute: null }
      per_ip: { requests_per_minute: 5 }
    targets: [{ provider: openai }]
  - model: c
    rate_limits:
      per_key: { requests_per_minute: null, tokens_per_minute: null }
    targets: [{ provider: openai }]
environments:
  prod:
    redis: { url: redis://cache:6379, key_prefix: "prod:", rate_limit_lease: 0, command_timeout_ms: 250 }
    rate_limits:
      per_key: { requests_per_minute: 600 }
`;

describe("rate limits in the IR", () => {
  it("routes without their own share the defaults' global scope; own fields override, null removes", () => {
    const ir = load(CONFIG);
    const [a, b, c] = ir.routes;
    expect(a!.rateLimits).toEqual({ scope: "global", perKey: { requestsPerMinute: 60, tokensPerMinute: 1000 }, perIp: null });
    expect(b!.rateLimits).toEqual({
      scope: "route/b",
      perKey: { requestsPerMinute: 60, tokensPerMinute: null },
      perIp: { requestsPerMinute: 5, tokensPerMinute: null },
    });
    expect(c!.rateLimits).toBeNull();
    expect(ir.redis).toMatchObject({ url: { parts: [{ env: "REDIS_URL", fallback: "" }] }, keyPrefix: "switchyard:", rateLimitLease: 0.1, commandTimeoutMs: 50 });
  });

  it("an environment overrides redis and the defaults", () => {
    const ir = load(CONFIG, "prod");
    // rate_limit_lease 0: every check asks Redis (exact limits, a round trip per request).
    expect(ir.redis).toMatchObject({ url: { parts: [{ text: "redis://cache:6379" }] }, keyPrefix: "prod:", rateLimitLease: 0, commandTimeoutMs: 250 });
    expect(ir.routes[0]!.rateLimits!.perKey).toEqual({ requestsPerMinute: 600, tokensPerMinute: 1000 });
  });

  it("a lease above half a bucket is refused at its line", () => {
    const result = loadConfig("routes.yaml", {
      text: `redis: { url: "redis://cache:6379", rate_limit_lease: 0.9 }\nproviders: { openai: { kind: openai } }\nroutes: [{ model: a, targets: [{ provider: openai }] }]\n`,
    });
    expect(result.ir).toBeNull();
    expect(result.diagnostics.filter((d) => d.code !== "no-price")).toMatchObject([{ code: "bad-value", pointer: "/redis/rate_limit_lease", line: 1 }]);
  });

  it("a command timeout of 0 is refused at its line", () => {
    const result = loadConfig("routes.yaml", {
      text: `redis: { url: "redis://cache:6379", command_timeout_ms: 0 }\nproviders: { openai: { kind: openai } }\nroutes: [{ model: a, targets: [{ provider: openai }] }]\n`,
    });
    expect(result.ir).toBeNull();
    expect(result.diagnostics.filter((d) => d.code !== "no-price")).toMatchObject([{ code: "bad-value", pointer: "/redis/command_timeout_ms", line: 1 }]);
  });

  it("no rate_limits and no redis: nothing to check at run time", () => {
    const ir = load(`providers: { openai: { kind: openai } }\nroutes: [{ model: a, targets: [{ provider: openai }] }]\n`);
    expect(ir.redis).toBeNull();
    expect(ir.routes[0]!.rateLimits).toBeNull();
  });

  it("a route may add limits without any defaults", () => {
    expect(resolveRateLimits(undefined, { per_ip: { tokens_per_minute: 10 } }, "x")).toEqual({
      scope: "route/x",
      perKey: null,
      perIp: { requestsPerMinute: null, tokensPerMinute: 10 },
    });
  });
});
