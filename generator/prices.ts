// Prices, resolved at build time. A target's price is, in order:
//   1. its own `price:` in routes.yaml;
//   2. its provider's `price:` (also for glob targets; the usual way to price a local vLLM server);
//   3. zero for local kinds (scenario, command, ollama);
//   4. the @pydantic/genai-prices dataset: the provider's kind and base_url name a dataset provider, and the
//      dataset's own matching (calcPrice) finds the upstream model among its models.
// A target that forwards the client's model (a glob route without `model:`) learns its model per request:
// it gets a lookup compiled from its dataset provider's match rules (generator/emit/prices.ts), so the
// runtime never imports the dataset. Only this file does, and only at build time.
//
// Dated prices resolve to those in force at `pricesAt` (the build). A price that also varies by time of day
// (DeepSeek's peak windows) resolves to its dearest window, so a counted cost is never below the real one
// and the output does not depend on the hour of the build.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { calcPrice, findProvider, type MatchLogic, type ModelInfo, type ModelPrice, type TieredPrices } from "@pydantic/genai-prices";
import type {
  DatasetModelIR,
  HttpProviderIR,
  MatchIR,
  ModelPriceIR,
  PriceLookupIR,
  PricesIR,
  PriceTableIR,
  PriceTierIR,
  ProviderIR,
  SourcePos,
  TargetPriceIR,
} from "./ir.ts";
import { camel, Scope } from "./code.ts";
import { toPointer, type Diagnostic, type PathSegment, type SourceLocator } from "./diagnostics.ts";

/** `price:` on a target or provider, as written (after schema validation). */
export interface PriceYaml {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

/** Where a provider's targets find their dataset prices. */
export type DatasetRef =
  | { kind: "local"; provider: "scenario" | "command" | "ollama" }
  | { kind: "dataset"; provider: string }
  | { kind: "none"; reason: string };

const DATASET_PACKAGE = "@pydantic/genai-prices";

let version: string | undefined;

/** The installed dataset's version, from its package.json (which the package does not export, hence the walk up from its entry). */
export function datasetVersion(): string {
  if (version === undefined) {
    let dir = path.dirname(createRequire(import.meta.url).resolve(DATASET_PACKAGE));
    for (;;) {
      const manifest = readManifest(path.join(dir, "package.json"));
      if (manifest?.name === DATASET_PACKAGE && typeof manifest.version === "string") {
        version = manifest.version;
        break;
      }
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error(`cannot find the package.json of ${DATASET_PACKAGE}`);
      dir = parent;
    }
  }
  return version;
}

function readManifest(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}

/** The dataset named in messages: "@pydantic/genai-prices 0.1.8". */
export function datasetName(): string {
  return `${DATASET_PACKAGE} ${datasetVersion()}`;
}

/**
 * The date whose prices a build uses: SOURCE_DATE_EPOCH (seconds) when set, for reproducible builds;
 * otherwise now.
 */
export function defaultPricesAt(env: NodeJS.ProcessEnv = process.env): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  return epoch !== undefined && /^[0-9]+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

// ---- step 1–2: configured prices ----

/** `price:` in routes.yaml → IR; cache reads and writes cost what input does unless given. */
export function configuredPrice(price: PriceYaml): ModelPriceIR {
  return {
    input: price.input,
    output: price.output,
    cacheRead: price.cache_read ?? price.input,
    cacheWrite: price.cache_write ?? price.input,
    tiers: [],
  };
}

const FREE: ModelPriceIR = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, tiers: [] };

// ---- step 3–4: which dataset provider ----

/** Vertex AI's own dataset provider, when the dataset has one; else Google's, whose api_pattern covers both. */
const VERTEX_DATASET_IDS = ["google-vertex", "vertex"];

/** A dataset provider by its exact id (findProvider also matches ids loosely, e.g. "vertex" → google). */
function datasetProviderById(id: string) {
  const provider = findProvider({ providerId: id });
  return provider?.id === id ? provider : undefined;
}

/** The dataset provider of a routes.yaml provider, from its kind and, for openai/anthropic kinds, its literal base_url. */
export function datasetProviderOf(provider: ProviderIR): DatasetRef {
  switch (provider.kind) {
    case "scenario":
    case "command":
    case "ollama":
      return { kind: "local", provider: provider.kind };
    case "azure-openai":
      return { kind: "dataset", provider: "azure" };
    case "gemini": {
      const vertex = provider.vertex ? VERTEX_DATASET_IDS.find((id) => datasetProviderById(id) !== undefined) : undefined;
      return { kind: "dataset", provider: vertex ?? "google" };
    }
    default:
      return datasetProviderOfUrl(provider);
  }
}

function datasetProviderOfUrl(provider: HttpProviderIR): DatasetRef {
  const parts = provider.baseUrl.parts;
  const variable = parts.find((part) => "env" in part);
  if (variable !== undefined && "env" in variable) {
    return { kind: "none", reason: `its base_url depends on \${${variable.env}}, known only at start, so it matches no provider of ${datasetName()}` };
  }
  const url = parts.map((part) => ("text" in part ? part.text : "")).join("");
  const found = findProvider({ providerApiUrl: url });
  return found === undefined
    ? { kind: "none", reason: `its base_url ${url} matches no provider of ${datasetName()}` }
    : { kind: "dataset", provider: found.id };
}

// ---- step 5: the price in force ----

type Conditional = { constraint?: Record<string, string>; prices: ModelPrice };

function isTimeOfDay(entry: Conditional): boolean {
  return entry.constraint !== undefined && "start_time" in entry.constraint;
}

/**
 * The model's prices at `at`, as the dataset chooses them (the last entry whose start date has passed), except
 * that time-of-day windows do not depend on the hour: of the entry in force and the windows that would
 * override it during the day, the dearest (by input + output rate) is taken.
 */
export function pricesInForce(model: ModelInfo, at: Date): ModelPrice {
  if (!Array.isArray(model.prices)) return model.prices;
  const entries = model.prices as Conditional[];
  let index = 0;
  for (let i = entries.length - 1; i >= 0; i--) {
    const constraint = entries[i]!.constraint;
    if (constraint === undefined || ("start_date" in constraint && at >= new Date(constraint.start_date!))) {
      index = i;
      break;
    }
  }
  const candidates = [entries[index]!, ...entries.slice(index + 1).filter(isTimeOfDay)];
  const weight = (entry: Conditional) => {
    const price = tokenPrice(entry.prices);
    return price === null ? -1 : price.input + price.output;
  };
  return candidates.reduce((dearest, entry) => (weight(entry) > weight(dearest) ? entry : dearest)).prices;
}

// ---- step 6: dataset price → ModelPriceIR ----

const TOKEN_KEYS = ["input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok"] as const;
type TokenKey = (typeof TOKEN_KEYS)[number];
type Rate = number | TieredPrices | undefined;

/** A rate for a prompt of more than `above` tokens (the dataset applies a tier when the prompt exceeds its start). */
function rateAbove(rate: Rate, above: number): number | undefined {
  if (rate === undefined || typeof rate === "number") return rate;
  let value = rate.base;
  for (const tier of [...rate.tiers].sort((a, b) => a.start - b.start)) if (above >= tier.start) value = tier.price;
  return value;
}

/**
 * The token rates of a dataset price; tiers of the four token keys are merged into one list, each tier with
 * every key's rate above its start. An empty price is free; a price with no token key (audio hours, pages) is
 * null: the gateway counts tokens only. Cache reads and writes without a rate of their own cost input's rate,
 * as in the dataset (they are part of its input tokens); other keys (audio, images, 1-hour cache writes, web
 * searches) are not counted.
 */
export function tokenPrice(price: ModelPrice): ModelPriceIR | null {
  const keys = Object.keys(price).filter((key) => price[key] !== undefined);
  if (keys.length === 0) return { ...FREE };
  if (!TOKEN_KEYS.some((key) => price[key] !== undefined)) return null;
  const rate = (key: TokenKey) => price[key] as Rate;
  const at = (above: number): Omit<PriceTierIR, "above"> => {
    const input = rateAbove(rate("input_mtok"), above) ?? 0;
    return {
      input,
      output: rateAbove(rate("output_mtok"), above) ?? 0,
      cacheRead: rateAbove(rate("cache_read_mtok"), above) ?? input,
      cacheWrite: rateAbove(rate("cache_write_mtok"), above) ?? input,
    };
  };
  const starts = new Set<number>();
  for (const key of TOKEN_KEYS) {
    const r = rate(key);
    if (typeof r === "object") for (const tier of r.tiers) starts.add(tier.start);
  }
  const tiers = [...starts].sort((a, b) => a - b).map((above) => ({ above, ...at(above) }));
  return { ...at(-1), tiers };
}

// ---- step 7: an exact model ----

export type DatasetModelResult =
  | { found: true; model: string; price: ModelPriceIR | null; keys: string[] }
  | { found: false };

/** The dataset's model for `model` on `provider`, found by the dataset's own matching (calcPrice). */
export function datasetModel(provider: string, model: string, at: Date): DatasetModelResult {
  let result: ReturnType<typeof calcPrice>;
  try {
    result = calcPrice({}, model, { providerId: provider, timestamp: at });
  } catch {
    result = null;
  }
  if (result === null) return { found: false };
  const prices = pricesInForce(result.model, at);
  return { found: true, model: result.model.id, price: tokenPrice(prices), keys: Object.keys(prices).sort() };
}

// ---- step 8: a target ----

export interface TargetPriceInput {
  /** The target's own `price:`. */
  own: { price: PriceYaml; pos: SourcePos } | null;
  /** Its provider's `price:`. */
  provider: { price: PriceYaml; pos: SourcePos } | null;
  dataset: DatasetRef;
  /** The upstream model when known at build time; null when the target forwards the client's (glob) model. */
  upstreamModel: string | null;
  at: Date;
}

export function resolveTargetPrice(input: TargetPriceInput): TargetPriceIR {
  if (input.own) return { kind: "fixed", price: configuredPrice(input.own.price), source: { from: "target", pos: input.own.pos } };
  if (input.provider) return { kind: "fixed", price: configuredPrice(input.provider.price), source: { from: "provider", pos: input.provider.pos } };
  const dataset = input.dataset;
  if (dataset.kind === "none") return { kind: "unknown", reason: dataset.reason };
  if (dataset.kind === "local") return { kind: "fixed", price: { ...FREE }, source: { from: "local", kind: dataset.provider } };
  if (input.upstreamModel === null) return { kind: "lookup", dataset: dataset.provider };
  const found = datasetModel(dataset.provider, input.upstreamModel, input.at);
  if (!found.found) return { kind: "unknown", reason: `${datasetName()} has no model ${JSON.stringify(input.upstreamModel)} for ${dataset.provider}` };
  if (found.price === null) {
    return { kind: "unknown", reason: `${datasetName()} prices ${dataset.provider} ${found.model} by ${found.keys.join(", ")}, not by tokens` };
  }
  return { kind: "fixed", price: found.price, source: { from: "dataset", provider: dataset.provider, model: found.model } };
}

/**
 * `no-price`: a target whose cost cannot be known. A warning (an error with --strict-prices): its requests are
 * served but not counted, and keys with a budget cannot use it.
 */
export function noPriceDiagnostic(at: SourceLocator, targetPath: readonly PathSegment[], label: string, provider: string, reason: string): Diagnostic {
  return {
    file: at.file,
    ...at.value(targetPath),
    code: "no-price",
    pointer: toPointer(targetPath),
    message: `no price for ${label} (${reason}): its cost will not be counted, and keys with a budget cannot use it`,
    hint: `add price: { input: USD, output: USD } (per million tokens) to this target, or to providers.${provider} for all its targets`,
    severity: "warning",
  };
}

// ---- step 9: the tables forwarding targets look up ----

/** Dataset MatchLogic → MatchIR, strings lower-cased once here (the dataset compares case-insensitively). */
export function matchIR(match: MatchLogic): MatchIR {
  if ("and" in match) return { and: match.and.map(matchIR) };
  if ("or" in match) return { or: match.or.map(matchIR) };
  if ("equals" in match) return { equals: match.equals.toLowerCase() };
  if ("starts_with" in match) return { startsWith: match.starts_with.toLowerCase() };
  if ("ends_with" in match) return { endsWith: match.ends_with.toLowerCase() };
  if ("contains" in match) return { contains: match.contains.toLowerCase() };
  // Regexes run as written, against the lower-cased name (as calcPrice runs them).
  return { regex: match.regex };
}

/** The lookups and tables for the dataset providers forwarding targets use, each table in the dataset's order. */
export function compilePriceTables(providers: Iterable<string>, at: Date): PricesIR {
  const lookupIdents = new Scope();
  const tableIdents = new Scope();
  const lookups: PriceLookupIR[] = [];
  const tableIds = new Set<string>();
  for (const id of [...new Set(providers)].sort(compare)) {
    const provider = datasetProviderById(id);
    if (provider === undefined) throw new Error(`${datasetName()} has no provider ${id}`);
    const fallbacks = (provider.fallback_model_providers ?? []).filter((fallback) => datasetProviderById(fallback) !== undefined);
    const tables = [id, ...fallbacks.filter((fallback) => fallback !== id)];
    tables.forEach((table) => tableIds.add(table));
    lookups.push({ provider: id, ident: lookupIdents.unique(`${camel(id)}Prices`), tables });
  }
  const tables: PriceTableIR[] = [...tableIds].sort(compare).map((id) => ({
    provider: id,
    ident: tableIdents.unique(`${camel(id)}Models`),
    models: datasetProviderById(id)!.models.map(
      (model): DatasetModelIR => ({ id: model.id, match: matchIR(model.match), price: tokenPrice(pricesInForce(model, at)) }),
    ),
  }));
  return { dataset: datasetVersion(), lookups, tables };
}

/** Code-unit order, independent of locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
