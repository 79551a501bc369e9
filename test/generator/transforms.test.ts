// The JSONPath parser, the code it compiles to (emitted, transpiled and run against real bodies), and the
// build-time regex checks.
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import { emitRouteTransforms } from "../../generator/emit/transforms.ts";
import { parseJsonPath, type Segment } from "../../generator/transforms/jsonpath.ts";
import { checkRegex } from "../../generator/transforms/regex.ts";
import { child, keysOf, removeHits } from "../../runtime/transforms/json-ops.ts";
import { createEnvReader } from "../../runtime/env.ts";
import type { TargetTransforms } from "../../runtime/transforms/types.ts";

describe("parseJsonPath", () => {
  const cases: Array<[string, { given: string; want: Segment[] }]> = [
    ["dotted names", { given: "$.a.b_c", want: [{ kind: "name", name: "a" }, { kind: "name", name: "b_c" }] }],
    ["quoted names", { given: `$['x-y']["a\\"b"]`, want: [{ kind: "name", name: "x-y" }, { kind: "name", name: 'a"b' }] }],
    ["indexes", { given: "$.messages[12]", want: [{ kind: "name", name: "messages" }, { kind: "index", index: 12 }] }],
    ["wildcards", { given: "$.a[*].*", want: [{ kind: "name", name: "a" }, { kind: "wildcard" }, { kind: "wildcard" }] }],
    [
      "filters with a comparison",
      {
        given: "$.m[?(@.role == 'system')]",
        want: [{ kind: "name", name: "m" }, { kind: "filter", path: [{ kind: "name", name: "role" }], test: { op: "==", value: "system" } }],
      },
    ],
    [
      "filters on nested @-paths and numbers",
      {
        given: "$.m[?(@.usage['in'][0] >= -1.5)]",
        want: [
          { kind: "name", name: "m" },
          { kind: "filter", path: [{ kind: "name", name: "usage" }, { kind: "name", name: "in" }, { kind: "index", index: 0 }], test: { op: ">=", value: -1.5 } },
        ],
      },
    ],
    ["existence filters", { given: "$.t[?(@.cache_control)]", want: [{ kind: "name", name: "t" }, { kind: "filter", path: [{ kind: "name", name: "cache_control" }], test: null }] }],
  ];
  it.each(cases)("parses %s", (_, { given, want }) => {
    const parsed = parseJsonPath(given);
    expect(parsed).toEqual({ ok: true, path: { source: given, segments: want } });
  });

  const rejected: Array<[string, string, string]> = [
    ["metadata", 'a path starts with "$"', "m"],
    ["$", '"$" alone selects the whole body', "$"],
    ["$..content", 'recursive descent ".." is not supported', ".."],
    ["$.a[-1]", "negative indexes are not supported", "-1]"],
    ["$.a[0:2]", "slices are not supported", "[0:2]"],
    ["$.a[0,1]", "unions are not supported", "[0,1]"],
    ["$.a[?(@.x == 1 && @.y)]", "a filter is one comparison", "[?(@.x == 1 && @.y)]"],
    ["$.a[?(@.x == foo)]", "expected a string, number, true, false or null", "foo)]"],
    ["$.a-b", "unexpected", "-b"],
    ["$.a['b", "unterminated string", "'b"],
    ["$.", 'expected a member name after "."', "."],
  ];
  it.each(rejected)("rejects %s", (given, message, fragment) => {
    const parsed = parseJsonPath(given);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toContain(message);
    expect(parsed.fragment).toBe(fragment);
  });
});

/** Compiles one route's body rules from YAML, transpiles the emitted code and returns the live transforms. */
function compile(rules: string, side: "request" | "response" = "request"): TargetTransforms {
  return compileRoute(`    transforms:\n      ${side}:\n        body:\n${rules.replace(/^/gm, "          ")}`);
}

function compileRoute(routeYaml: string, kind = "openai", processEnv: NodeJS.ProcessEnv = {}): TargetTransforms {
  const text = `providers:
  p:
    kind: ${kind}
routes:
  - model: m
    targets: [{ provider: p }]
${routeYaml}
`;
  const loaded = loadConfig("routes.yaml", { text });
  if (loaded.ir === null) throw new Error(JSON.stringify(loaded.diagnostics, null, 2));
  const emitted = emitRouteTransforms(loaded.ir, loaded.ir.routes[0]!);
  const js = ts.transpileModule(emitted.declarations.text, { compilerOptions: { target: ts.ScriptTarget.ES2022 } }).outputText;
  const call = emitted.callFor("p")!;
  const run = new Function("child", "keysOf", "removeHits", "createEnvReader", "processEnv", `${js}\nreturn ${call.text};`);
  return run(child, keysOf, removeHits, createEnvReader, processEnv) as TargetTransforms;
}

function applyJson(transforms: TargetTransforms, body: unknown): unknown {
  transforms.requestBody!.json!(body);
  return body;
}

describe("compiled body rules", () => {
  const chat = () => ({
    model: "m",
    metadata: { a: 1 },
    messages: [
      { role: "system", content: "be nice" },
      { role: "user", content: "password: hunter2 now", name: "bob" },
      { role: "user", content: [{ type: "text", text: "x" }] },
    ],
  });

  it("turns simple paths into direct property access", () => {
    const t = compile(`- remove: $.metadata\n- set: { path: $.temperature, value: 0 }`);
    expect(String(t.requestBody!.json)).toContain("delete body.metadata");
    expect(String(t.requestBody!.json)).toContain("body.temperature = 0");
    expect(applyJson(t, chat())).toMatchObject({ temperature: 0 });
    expect(applyJson(t, chat())).not.toHaveProperty("metadata");
  });

  it("set creates missing parents, add only fills what is absent", () => {
    const t = compile(`- set: { path: $.metadata.tags.team, value: red }\n- add: { path: $.user, value: gw }\n- add: { path: $.metadata.a, value: 2 }`);
    expect(applyJson(t, { model: "m" })).toEqual({ model: "m", metadata: { a: 2, tags: { team: "red" } }, user: "gw" });
    expect(applyJson(t, { model: "m", user: "me", metadata: { a: 1 } })).toEqual({ model: "m", user: "me", metadata: { a: 1, tags: { team: "red" } } });
    // A parent that is not an object is left alone rather than replaced.
    expect(applyJson(t, { model: "m", metadata: "text" })).toEqual({ model: "m", metadata: "text", user: "gw" });
  });

  it("removes array elements by index and by filter, keeping the others in order", () => {
    const t = compile(`- remove: "$.messages[?(@.role == 'system')]"\n- remove: $.messages[1]`);
    const out = applyJson(t, chat()) as ReturnType<typeof chat>;
    expect(out.messages).toEqual([{ role: "user", content: "password: hunter2 now", name: "bob" }]);
  });

  it("wildcards reach every element; filters select by comparison or presence", () => {
    const t = compile(`- remove: $.messages[*].name\n- set: { path: "$.messages[?(@.role != 'system')].seen", value: true }\n- add: { path: "$.messages[?(@.name)].never", value: 1 }`);
    const out = applyJson(t, chat()) as { messages: Array<Record<string, unknown>> };
    expect(out.messages.map((m) => m.seen)).toEqual([undefined, true, true]);
    expect(out.messages.some((m) => "name" in m || "never" in m)).toBe(false);
  });

  it("numeric filters compare numbers", () => {
    const t = compile(`- remove: "$.items[?(@.n > 2)]"`);
    expect(applyJson(t, { items: [{ n: 1 }, { n: 3 }, { n: 2 }, { n: 5 }] })).toEqual({ items: [{ n: 1 }, { n: 2 }] });
  });

  it("replaces on selected string fields only, and on the raw text", () => {
    const t = compile(`- replace: { pattern: "password: \\\\S+", with: "password: ***", path: "$.messages[*].content" }\n- replace: { pattern: "hunter\\\\d", flags: i, with: "?" }`);
    const out = applyJson(t, chat()) as ReturnType<typeof chat>;
    expect(out.messages[1]!.content).toBe("password: *** now");
    expect(out.messages[2]!.content).toEqual([{ type: "text", text: "x" }]);
    expect(t.requestBody!.text!(`{"a":"HUNTER2 and hunter3"}`)).toBe(`{"a":"? and ?"}`);
  });

  it("leaves bodies without the selected fields untouched", () => {
    const t = compile(`- remove: $.a.b.c\n- replace: { pattern: x, with: y, path: "$.q[0].r" }\n- remove: "$.z[?(@.k == 1)].w"`);
    const body = { a: "s", q: [null], z: 5 };
    expect(applyJson(t, structuredClone(body))).toEqual(body);
  });

  it("emits each pattern as a module-level RegExp literal", () => {
    const text = `providers:\n  p: { kind: openai }\nroutes:\n  - model: m\n    targets: [{ provider: p }]\n    transforms:\n      response:\n        body:\n          - replace: { pattern: "a/b", with: "c" }\n`;
    const ir = loadConfig("routes.yaml", { text }).ir!;
    const out = emitRouteTransforms(ir, ir.routes[0]!).declarations.text;
    expect(out).toContain("const mPPattern0 = /a\\/b/g;");
    expect(out).not.toContain("new RegExp");
  });
});

describe("compiled header rules", () => {
  const client = { "content-type": "application/json", "x-team": "red", "x-debug": "1", "user-agent": "sdk" };
  const provider = { authorization: "Bearer provider-key", "x-title": "app" };

  it("allowlists client headers, then merges the provider's, then removes, sets and adds", () => {
    const t = compileRoute(`    transforms:
      request:
        headers: { mode: allowlist, names: [X-Team], set: { x-title: forced }, add: { x-team: blue, x-new: n }, remove: [x-debug] }`);
    expect(t.requestHeaders!(client, provider, "client-key")).toEqual({
      "content-type": "application/json",
      "x-team": "red",
      authorization: "Bearer provider-key",
      "x-title": "forced",
      "x-new": "n",
    });
  });

  it("denylists by name and leaves the rest", () => {
    const t = compileRoute(`    transforms:\n      request:\n        headers: { mode: denylist, names: [user-agent, x-debug] }`);
    expect(t.requestHeaders!(client, provider, null)).toEqual({ "content-type": "application/json", "x-team": "red", ...provider });
  });

  it("forwards the client's key in the provider's auth header shape only with forward_client_key", () => {
    expect(compileRoute(`    forward_client_key: true`).requestHeaders!(client, provider, "client-key").authorization).toBe("Bearer client-key");
    expect(compileRoute(`    forward_client_key: true`).requestHeaders!(client, provider, null).authorization).toBe("Bearer provider-key");
    const anthropic = compileRoute(`    forward_client_key: true`, "anthropic").requestHeaders!({}, { "x-api-key": "provider-key" }, "client-key");
    expect(anthropic).toEqual({ "x-api-key": "client-key" });
    const plain = compileRoute(`    transforms:\n      request:\n        headers: { set: { x-a: b } }`).requestHeaders!(client, provider, "client-key");
    expect(JSON.stringify(plain)).not.toContain("client-key");
  });

  it("filters response headers, keeping the gateway's own in an allowlist", () => {
    const t = compileRoute(`    transforms:\n      response:\n        headers: { mode: allowlist, names: [x-keep], set: { x-served-by: gw } }`);
    const upstream = { "content-type": "application/json", "x-switchyard-request-id": "req_1", "x-keep": "k", "x-request-id": "up" };
    expect(t.responseHeaders!(upstream)).toEqual({ "x-keep": "k", "content-type": "application/json", "x-switchyard-request-id": "req_1", "x-served-by": "gw" });
    expect(t.requestHeaders).toBeNull();
  });
});

describe("${VAR} in header values", () => {
  const route = `    transforms:\n      request:\n        headers: { set: { x-team: "\${SY_TEST_TEAM}" }, add: { x-tenant: "\${SY_TEST_TENANT:-default}" } }`;

  it("resolves from the environment given to buildGateway, not process.env", () => {
    process.env.SY_TEST_TEAM = "from-process-env";
    try {
      const t = compileRoute(route, "openai", { SY_TEST_TEAM: "red", SY_TEST_TENANT: "acme" });
      expect(t.requestHeaders!({}, {}, null)).toEqual({ "x-team": "red", "x-tenant": "acme" });
      expect(compileRoute(route, "openai", { SY_TEST_TEAM: "red" }).requestHeaders!({}, {}, null)["x-tenant"]).toBe("default");
      // Set in process.env but not in the gateway's environment: missing, and start-up says which route needs it.
      expect(() => compileRoute(route, "openai", {})).toThrow(/SY_TEST_TEAM is not set \(needed by route m \(routes\.yaml:5:5\)\)/);
    } finally {
      delete process.env.SY_TEST_TEAM;
    }
  });

  it("reach the route through the environment buildGateway(processEnv) hands to the router", async () => {
    // What generated index.ts does (its golden shows createRouter(upstreams, processEnv)); importing index.ts
    // itself would need the ajv validators, which are not golden files.
    const { startUpstreams } = await import("../golden/transforms/__generated__/providers.ts");
    const { createRouter } = await import("../golden/transforms/__generated__/router.ts");
    const processEnv = { OPENAI_API_KEY: "sk-test", TENANT: "acme" };
    const upstreams = startUpstreams(processEnv);
    const route = createRouter(upstreams, processEnv).openai("gpt-4o")!;
    expect(route.targets[0]!.transforms!.requestHeaders!({}, {}, null)["x-tenant"]).toBe("acme");
    await Promise.allSettled(Object.values(upstreams).map((u) => (u.kind === "http" ? u.dispatcher.close() : undefined)));
  });
});

describe("environment overlays", () => {
  it("override a provider's transforms: header maps merge key by key, a body list is replaced", () => {
    const text = `providers:
  p:
    kind: openai
    transforms:
      request:
        headers: { set: { x-a: base, x-b: base } }
        body: [{ remove: $.metadata }]
routes:
  - model: m
    targets: [{ provider: p }]
environments:
  prod:
    providers:
      p:
        transforms:
          request:
            headers: { set: { x-b: prod } }
            body: [{ set: { path: $.user, value: prod } }]
`;
    const provider = (env: string) => {
      const ir = loadConfig("routes.yaml", { text, env }).ir!;
      const p = ir.providers[0]!;
      return p.kind === "openai" ? p.transforms!.request : null;
    };
    expect(provider("dev")!.headers!.set.map((h) => [h.name, h.value.parts])).toEqual([["x-a", [{ text: "base" }]], ["x-b", [{ text: "base" }]]]);
    expect(provider("dev")!.body.map((r) => r.op)).toEqual(["remove"]);
    expect(provider("prod")!.headers!.set.map((h) => [h.name, h.value.parts])).toEqual([["x-a", [{ text: "base" }]], ["x-b", [{ text: "prod" }]]]);
    expect(provider("prod")!.body.map((r) => r.op)).toEqual(["set"]);
  });
});

describe("checkRegex", () => {
  it.each([["sk-[A-Za-z0-9]{20,}"], ["password: \\S+"], ["(?<key>api_key)=\\w{8}"]])("passes %s", (pattern) => {
    expect(checkRegex(pattern, "").ok).toBe(true);
  });

  it("rejects quadratic scans that an unanchored global replace makes of a greedy run", () => {
    expect(checkRegex("[a-z]+=\\d+", "")).toMatchObject({ ok: false, code: "unsafe-regex" });
  });

  it("rejects a pattern that does not compile", () => {
    expect(checkRegex("a(b", "")).toMatchObject({ ok: false, code: "bad-regex" });
    expect(checkRegex("a", "gy")).toMatchObject({ ok: false, code: "bad-regex" });
  });

  it.each([
    ["(a+)+$", "exponential"],
    ["(a|a)*$", "exponential"],
    ["^(\\w+\\s?)*$", "exponential"],
    ["\\s+$", "polynomial"],
  ])("rejects %s as catastrophic backtracking (%s)", (pattern, complexity) => {
    const checked = checkRegex(pattern, "");
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.code).toBe("unsafe-regex");
    expect(checked.message).toContain(complexity);
  });
});
