// Prices resolved at build time (generator/prices.ts) and compiled into lookups (generator/emit/prices.ts):
// which dataset provider a routes.yaml provider is, how a dataset price becomes token rates, which dated price
// is in force, the order of precedence for a target, and that a compiled lookup finds exactly the model the
// dataset's own calcPrice finds, for every model of every provider a lookup consults.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { calcPrice, type ModelInfo } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import { buildConfig } from "../../generator/build.ts";
import type { ConfigIR, MatchIR, ModelPriceIR, TargetPriceIR } from "../../generator/ir.ts";
import { emitContext } from "../../generator/emit/context.ts";
import { emitPricesModule } from "../../generator/emit/prices.ts";
import { datasetProviderOf, datasetVersion, pricesInForce, tokenPrice } from "../../generator/prices.ts";
import type { ModelPrice, PriceLookup } from "../../runtime/spend/price.ts";
import { root } from "../support/gateway.ts";

const AT = new Date("2026-12-01T12:00:00Z");

function load(text: string, options: { strictPrices?: boolean; env?: string } = {}) {
  return loadConfig("routes.yaml", { text, pricesAt: AT, ...options });
}

function irOf(text: string): ConfigIR {
  const result = load(text);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.ir!;
}

describe("datasetProviderOf", () => {
  const providerOf = (yaml: string) => {
    const ir = irOf(`providers:\n  p: ${yaml}\nroutes:\n  - model: x\n    targets: [{ provider: p, price: { input: 0, output: 0 } }]\n`);
    return datasetProviderOf(ir.providers[0]!);
  };

  it.each([
    ["{ kind: openai }", { kind: "dataset", provider: "openai" }],
    ["{ kind: anthropic }", { kind: "dataset", provider: "anthropic" }],
    ["{ kind: openai, base_url: https://openrouter.ai/api/v1 }", { kind: "dataset", provider: "openrouter" }],
    ["{ kind: anthropic, base_url: https://openrouter.ai/api }", { kind: "dataset", provider: "openrouter" }],
    ["{ kind: openai, base_url: https://api.deepseek.com }", { kind: "dataset", provider: "deepseek" }],
    ["{ kind: openai, base_url: https://api.groq.com/openai/v1 }", { kind: "dataset", provider: "groq" }],
    ["{ kind: azure-openai, base_url: https://x.openai.azure.com }", { kind: "dataset", provider: "azure" }],
    ["{ kind: gemini }", { kind: "dataset", provider: "google" }],
    // The dataset has no Vertex AI provider of its own (0.1.8); Google's api_pattern covers aiplatform.googleapis.com.
    ["{ kind: gemini, vertex: { project: p, location: us-central1, credentials_file: k.json } }", { kind: "dataset", provider: "google" }],
    ["{ kind: ollama }", { kind: "local", provider: "ollama" }],
    ["{ kind: scenario, file: s.yaml }", { kind: "local", provider: "scenario" }],
    ["{ kind: command, command: claude }", { kind: "local", provider: "command" }],
  ] as const)("%s", (yaml, want) => {
    expect(providerOf(yaml)).toEqual(want);
  });

  it("has none for a base_url known only at start, or one the dataset does not know", () => {
    expect(providerOf("{ kind: openai, base_url: '${OPENROUTER_URL:-https://openrouter.ai/api/v1}' }")).toMatchObject({
      kind: "none",
      reason: expect.stringContaining("${OPENROUTER_URL}"),
    });
    expect(providerOf("{ kind: openai, base_url: http://127.0.0.1:8000/v1 }")).toMatchObject({
      kind: "none",
      reason: expect.stringContaining("http://127.0.0.1:8000/v1 matches no provider"),
    });
  });
});

describe("tokenPrice", () => {
  it.each<[string, Record<string, unknown>, ModelPriceIR | null]>([
    ["flat, cache rates of its own", { input_mtok: 2.5, output_mtok: 10, cache_read_mtok: 1.25 }, { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5, tiers: [] }],
    ["input only (embeddings)", { input_mtok: 0.02 }, { input: 0.02, output: 0, cacheRead: 0.02, cacheWrite: 0.02, tiers: [] }],
    ["free", {}, { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, tiers: [] }],
    ["not by tokens", { input_audio_hours: 0.1 }, null],
    ["other keys ignored", { input_mtok: 1, output_mtok: 2, web_searches_kcount: 10, cache_write_1h_mtok: 5 }, { input: 1, output: 2, cacheRead: 1, cacheWrite: 1, tiers: [] }],
    [
      "tiers of several keys merged, each key at its own rate above every start",
      {
        input_mtok: { base: 1, tiers: [{ start: 200_000, price: 2 }] },
        output_mtok: { base: 10, tiers: [{ start: 128_000, price: 15 }] },
        cache_read_mtok: 0.1,
      },
      {
        input: 1,
        output: 10,
        cacheRead: 0.1,
        cacheWrite: 1,
        tiers: [
          { above: 128_000, input: 1, output: 15, cacheRead: 0.1, cacheWrite: 1 },
          { above: 200_000, input: 2, output: 15, cacheRead: 0.1, cacheWrite: 2 },
        ],
      },
    ],
  ])("%s", (_, price, want) => {
    expect(tokenPrice(price as never)).toEqual(want);
  });
});

describe("pricesInForce", () => {
  const model = (prices: unknown): ModelInfo => ({ id: "m", match: { equals: "m" }, prices: prices as ModelInfo["prices"] });

  it("takes the last entry whose start date has passed", () => {
    const m = model([
      { prices: { input_mtok: 1 } },
      { constraint: { start_date: "2026-06-01", type: "start_date" }, prices: { input_mtok: 2 } },
      { constraint: { start_date: "2027-01-01", type: "start_date" }, prices: { input_mtok: 3 } },
    ]);
    expect(pricesInForce(m, new Date("2026-01-01"))).toEqual({ input_mtok: 1 });
    expect(pricesInForce(m, new Date("2026-12-01"))).toEqual({ input_mtok: 2 });
    expect(pricesInForce(m, new Date("2027-01-01"))).toEqual({ input_mtok: 3 });
  });

  it("takes the dearest of the entry in force and the time-of-day windows that override it, whatever the hour", () => {
    const m = model([
      { prices: { input_mtok: 0.1, output_mtok: 0.2 } },
      { constraint: { start_time: "01:00:00Z", end_time: "04:00:00Z", type: "time_of_date" }, prices: { input_mtok: 0.4, output_mtok: 0.8 } },
      { constraint: { start_date: "2026-08-17", type: "start_date" }, prices: { input_mtok: 0.2, output_mtok: 0.6 } },
      { constraint: { start_time: "06:00:00Z", end_time: "10:00:00Z", type: "time_of_date" }, prices: { input_mtok: 0.5, output_mtok: 1 } },
    ]);
    for (const hour of ["00", "02", "07", "23"]) {
      expect(pricesInForce(m, new Date(`2026-12-01T${hour}:00:00Z`))).toEqual({ input_mtok: 0.5, output_mtok: 1 });
    }
    // Before the dated entry the first window (listed before it) still applies.
    expect(pricesInForce(m, new Date("2026-01-01T12:00:00Z"))).toEqual({ input_mtok: 0.5, output_mtok: 1 });
  });
});

describe("a target's price", () => {
  const CONFIG = `
providers:
  openai: { kind: openai }
  vllm: { kind: openai, base_url: http://127.0.0.1:8000/v1, price: { input: 0.1, output: 0.2, cache_read: 0.01 } }
  ollama: { kind: ollama, price: { input: 1, output: 1 } }
  local: { kind: ollama }
  lab: { kind: openai, base_url: "\${LAB_URL}" }
routes:
  - model: gpt-4o
    targets:
      - { provider: openai }
      - { provider: openai, price: { input: 9, output: 9 } }
      - { provider: vllm }
      - { provider: ollama }
      - { provider: local }
      - { provider: lab }
      - { provider: openai, model: no-such-model }
  - model: gpt-*
    targets: [{ provider: openai }, { provider: vllm }, { provider: lab }]
`;
  const result = load(CONFIG);
  const prices = result.ir!.routes.map((route) => route.targets.map((target) => target.price));
  const fixed = (input: number, output: number, cacheRead: number, cacheWrite: number): Partial<TargetPriceIR> => ({
    kind: "fixed",
    price: { input, output, cacheRead, cacheWrite, tiers: [] },
  });

  it("is the target's own, else its provider's, else free for local kinds, else the dataset's", () => {
    expect(prices[0]).toMatchObject([
      { ...fixed(2.5, 10, 1.25, 2.5), source: { from: "dataset", provider: "openai", model: "gpt-4o" } },
      { ...fixed(9, 9, 9, 9), source: { from: "target" } },
      { ...fixed(0.1, 0.2, 0.01, 0.1), source: { from: "provider" } },
      { ...fixed(1, 1, 1, 1), source: { from: "provider" } },
      { ...fixed(0, 0, 0, 0), source: { from: "local", kind: "ollama" } },
      { kind: "unknown" },
      { kind: "unknown", reason: expect.stringContaining('no model "no-such-model" for openai') },
    ]);
  });

  it("is a lookup for a glob target on a dataset provider; a provider price still applies", () => {
    expect(prices[1]).toMatchObject([{ kind: "lookup", dataset: "openai" }, fixed(0.1, 0.2, 0.01, 0.1), { kind: "unknown" }]);
    expect(result.ir!.prices).toMatchObject({ dataset: datasetVersion(), lookups: [{ provider: "openai", tables: ["openai"] }] });
  });

  it("warns once per unpriced target, at the target, and --strict-prices makes it an error", () => {
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.pointer])).toEqual([
      ["no-price", "warning", "/routes/0/targets/5"],
      ["no-price", "warning", "/routes/0/targets/6"],
      ["no-price", "warning", "/routes/1/targets/2"],
    ]);
    const strict = load(CONFIG, { strictPrices: true });
    expect(strict.ir).toBeNull();
    expect(strict.diagnostics.map((d) => d.severity)).toEqual(["error", "error", "error"]);
  });

  it("fails the build with --strict-prices before anything is generated", async () => {
    const dir = path.join(root, "test/.build/strict-prices");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "routes.yaml"), CONFIG);
    const result = await buildConfig({ root, outDir: root, configFile: "test/.build/strict-prices/routes.yaml", env: "dev", write: true, strictPrices: true, pricesAt: AT });
    expect(result.ok).toBe(false);
    expect(result.files).toEqual([]);
    expect(result.report).toContain("error[no-price] /routes/0/targets/5: no price for lab:gpt-4o");
    expect(result.report).toContain("--strict-prices makes a target without a price an error");
  });
});

// ---- compiled lookups against the dataset's own matching ----

const LOOKUPS = `
providers:
  anthropic: { kind: anthropic }
  openai: { kind: openai }
  openrouter: { kind: openai, base_url: https://openrouter.ai/api/v1 }
  gemini: { kind: gemini }
  azure: { kind: azure-openai, base_url: https://x.openai.azure.com }
  deepseek: { kind: openai, base_url: https://api.deepseek.com }
  groq: { kind: openai, base_url: https://api.groq.com/openai/v1 }
  mistral: { kind: openai, base_url: https://api.mistral.ai/v1 }
  xai: { kind: openai, base_url: https://api.x.ai/v1 }
  together: { kind: openai, base_url: https://api.together.xyz/v1 }
routes:
  - { model: "a-*", targets: [{ provider: anthropic }] }
  - { model: "b-*", targets: [{ provider: openai }] }
  - { model: "c-*", targets: [{ provider: openrouter }] }
  - { model: "d-*", targets: [{ provider: gemini }] }
  - { model: "e-*", targets: [{ provider: azure }] }
  - { model: "f-*", targets: [{ provider: deepseek }] }
  - { model: "g-*", targets: [{ provider: groq }] }
  - { model: "h-*", targets: [{ provider: mistral }] }
  - { model: "i-*", targets: [{ provider: xai }] }
  - { model: "j-*", targets: [{ provider: together }] }
`;

/** Names worth asking about: every string a model's match names, and variations around it. */
function candidates(match: MatchIR, out: Set<string>): void {
  if ("and" in match) return match.and.forEach((m) => candidates(m, out));
  if ("or" in match) return match.or.forEach((m) => candidates(m, out));
  const text = "equals" in match ? match.equals : "startsWith" in match ? match.startsWith : "endsWith" in match ? match.endsWith : "contains" in match ? match.contains : null;
  if (text === null) return;
  for (const name of [text, `${text}-x`, `x-${text}`, `${text}-20250929`, `${text}-20251399`, text.toUpperCase(), ` ${text} `, `${text}-tts`]) out.add(name);
}

function runtimePrice(price: ModelPriceIR | null): ModelPrice | null {
  if (price === null) return null;
  const { tiers, ...rates } = price;
  return tiers.length ? { ...rates, tiers } : rates;
}

describe("compiled lookups", async () => {
  const ir = irOf(LOOKUPS);
  const outDir = "test/.build/price-lookups";
  const file = path.join(root, outDir, "prices.ts");
  mkdirSync(path.dirname(file), { recursive: true });
  const source = emitPricesModule(ir, emitContext(outDir));
  writeFileSync(file, source);
  const compiled = (await import(pathToFileURL(file).href)) as Record<string, PriceLookup>;
  const tables = new Map(ir.prices.tables.map((t) => [t.provider, t]));

  it("are emitted for each dataset provider a forwarding target uses, with their fallback providers' tables", () => {
    expect(ir.prices.lookups.map((l) => [l.provider, l.tables])).toEqual([
      ["anthropic", ["anthropic"]],
      ["azure", ["azure", "openai", "anthropic", "deepseek", "x-ai", "moonshotai"]],
      ["deepseek", ["deepseek"]],
      ["google", ["google", "anthropic"]],
      ["groq", ["groq"]],
      ["mistral", ["mistral"]],
      ["openai", ["openai"]],
      ["openrouter", ["openrouter"]],
      ["together", ["together"]],
      ["x-ai", ["x-ai"]],
    ]);
  });

  it("contain nothing that depends on when they were built", () => {
    expect(source).not.toMatch(/20[0-9]{2}-[0-9]{2}-[0-9]{2}T/);
    expect(emitPricesModule(irOf(LOOKUPS), emitContext(outDir))).toBe(source);
  });

  it.each(ir.prices.lookups.map((lookup) => [lookup.provider, lookup] as const))("%s finds what calcPrice finds", (_, lookup) => {
    const names = new Set(["", "unknown-model", "vendor/unknown", "-20250101"]);
    for (const id of lookup.tables) {
      for (const model of tables.get(id)!.models) {
        names.add(model.id);
        candidates(model.match, names);
      }
    }
    const price = compiled[lookup.ident]!;
    const disagreements: string[] = [];
    for (const name of names) {
      const found = calcPrice({}, name, { providerId: lookup.provider, timestamp: AT });
      const want = found === null ? null : runtimePrice(tokenPrice(pricesInForce(found.model, AT)));
      const got = price(name);
      if (JSON.stringify(got) !== JSON.stringify(want)) disagreements.push(`${JSON.stringify(name)}: got ${JSON.stringify(got)}, calcPrice ${found?.model.id} ${JSON.stringify(want)}`);
    }
    expect(names.size).toBeGreaterThan(10);
    expect(disagreements).toEqual([]);
  });
});

describe("the runtime", () => {
  it("never imports the price dataset: prices reach it only as generated code", () => {
    const files = readdirSync(path.join(root, "runtime"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const importing = files.filter((f) => readFileSync(path.join(root, "runtime", f), "utf8").match(/(from|import\()\s*["']@pydantic\/genai-prices/) !== null);
    expect(files.length).toBeGreaterThan(50);
    expect(importing).toEqual([]);
  });
});
