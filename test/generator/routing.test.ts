// Routing config end to end inside the generator: priorities, balance and `when` resolved into the IR, and
// the generated router of test/golden/routing run as code (its predicates and selection order), without a server.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import { createRouter } from "../golden/routing/__generated__/router.ts";
import type { Upstreams } from "../golden/routing/__generated__/providers.ts";
import type { ConditionRequest } from "../../runtime/contract.ts";

function load(text: string) {
  const result = loadConfig("routes.yaml", { text });
  if (!result.ir) throw new Error(JSON.stringify(result.diagnostics));
  return result.ir;
}

describe("resolve", () => {
  const ir = load(`
providers:
  a: { kind: openai }
  b: { kind: openai }
  c: { kind: openai }
routes:
  - model: m
    when: { header: { X-Tier: gold, x-team: "/^ops$/i" }, client_key: [fedcba9876543210, 0123456789abcdef] }
    targets: [{ provider: a }]
  - model: m
    balance: {}
    targets:
      - { provider: a, priority: 2 }
      - { provider: b, weight: 4 }
      - { provider: c }
      - { provider: a, model: x, priority: 2 }
  - model: plain
    targets: [{ provider: a }, { provider: b }]
`);

  it("sorts targets by priority, keeping declaration order within one", () => {
    expect(ir.routes[1]!.targets.map((t) => [t.provider, t.model, t.priority, t.weight])).toEqual([
      ["b", null, 0, 4],
      ["c", null, 0, 1],
      ["a", null, 2, 1],
      ["a", "x", 2, 1],
    ]);
    expect(ir.routes[1]!.balance).toEqual({ strategy: "weighted", sticky: false });
    expect(ir.routes[2]!.balance).toBeNull();
    expect(ir.routes[2]!.targets.map((t) => t.provider)).toEqual(["a", "b"]);
  });

  it("resolves when: header names lower-cased, /…/ values as patterns, key ids sorted", () => {
    expect(ir.routes[0]!.when).toMatchObject({
      headers: [
        { name: "x-team", pattern: "^ops$", flags: "i" },
        { name: "x-tier", equals: "gold" },
      ],
      clientKeys: ["0123456789abcdef", "fedcba9876543210"],
      tools: null,
      images: null,
      promptTokensOver: null,
    });
    expect(ir.routes.map((r) => r.id)).toEqual(["m", "m-2", "plain"]);
    expect(ir.routes[1]!.when).toBeNull();
  });
});

describe("the generated router of test/golden/routing", () => {
  const fake = (name: string) => ({ kind: "http", name, enabled: true });
  const router = createRouter({ east: fake("east"), west: fake("west"), lab: fake("lab"), corp: fake("corp") } as unknown as Upstreams);
  const request = (headers: Record<string, string> = {}, keyId: string | null = null): ConditionRequest => ({ headers, client: { key: null, keyId, account: null, ip: "127.0.0.1" } });
  const hello = { model: "smart", messages: [{ role: "user", content: "hi" }] };

  it("tries conditional routes in declaration order, then the unconditional one", () => {
    expect(router.openai("smart", request(), { ...hello, tools: [{ type: "function" }] })?.id).toBe("smart-tools");
    expect(router.openai("smart", request(), { ...hello, tools: [{}], messages: [{ role: "user", content: [{ type: "image_url" }] }] })?.id).toBe("smart-default");
    expect(router.openai("smart", request(), { messages: [{ role: "user", content: "x".repeat(400_004) }] })?.id).toBe("smart-long");
    expect(router.openai("smart", request(), hello)?.id).toBe("smart-default");
    expect(router.openai("smart")?.id).toBe("smart-default");
  });

  it("needs every condition of a route to hold", () => {
    const gold = { "x-tier": "gold", "x-team": "Research" };
    expect(router.anthropic("smart", request(gold, "fedcba9876543210"), hello)?.id).toBe("smart-gold");
    expect(router.anthropic("smart", request(gold, "ffffffffffffffff"), hello)).toBeUndefined();
    expect(router.anthropic("smart", request({ ...gold, "x-team": "research-lab" }, "0123456789abcdef"), hello)).toBeUndefined();
    expect(router.anthropic("smart", request({ "x-team": "ops" }, "0123456789abcdef"), hello)).toBeUndefined();
    expect(router.anthropic("smart")).toBeUndefined();
  });

  it("skips a conditional glob whose condition fails and goes on to the globs after it", () => {
    const tools = { ...hello, tools: [{ type: "function" }] };
    expect(router.openai("llama-3.1", request({ "x-tier": "gold" }), hello)?.id).toBe("llama-gold");
    expect(router.openai("llama-3.1", request(), tools)?.id).toBe("llama-tools");
    expect(router.openai("llama-4", request(), tools)?.id).toBe("llama-any"); // llama-3* does not match
    expect(router.openai("llama-3.1", request(), hello)?.id).toBe("llama-any");
    expect(router.anthropic("llama-3.1", request({ "x-tier": "gold" }), tools)).toBeUndefined(); // openai-only routes
    // Without a request (other endpoints) only unconditional globs serve; exact names still win over globs.
    expect(router.openai("llama-3.1")?.id).toBe("llama-any");
    expect(router.openai("gpt-4o", request({ "x-tier": "gold" }), hello)?.id).toBe("gpt-4o");
    expect(router.openai("mistral", request({ "x-tier": "gold" }), hello)).toBeUndefined();
  });

  it("carries balancers, body limits and the largest limit", () => {
    const gpt4o = router.openai("gpt-4o")!;
    expect(gpt4o.targets.map((t) => t.label)).toEqual(["east:gpt-4o", "west:gpt-4o", "lab:gpt-4o"]);
    expect(gpt4o.bodyLimitBytes).toBe(8 * 1024 ** 2);
    expect(gpt4o.balancer).toBeDefined();
    expect(router.openai("smart", request(), { messages: [{ role: "user", content: "x".repeat(400_004) }] })?.bodyLimitBytes).toBe(512 * 1024);
    expect(router.openai("smart")?.bodyLimitBytes).toBeUndefined();
    expect(router.maxBodyLimitBytes).toBe(8 * 1024 ** 2);
    expect(router.models.openai).toEqual(["gpt-4o", "gpt-4o-mini", "claude-sonnet", "smart"]);
  });
});
