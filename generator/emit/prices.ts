// Emits target prices: a constant per priced target in its route module, and generated/<env>/prices.ts with
// the lookups of targets that forward the client's model (glob routes), whose upstream model is only known per
// request.
//
// A lookup is the dataset's matching compiled to code: one function per dataset provider whose `if`s test its
// models in the dataset's order, each MatchLogic written as plain string comparisons on a name lower-cased once
// per call (the dataset's strings are lower-cased here), regexes hoisted as module constants. The runtime wraps
// the tables in a Map memo bounded in size (runtime/spend/price-lookup.ts), so a model name is matched once, and
// a client inventing names on a `*/*` route cannot grow it. Nothing here depends on the time of the build.
import type { ConfigIR, MatchIR, ModelPriceIR, PriceTableIR, RouteIR, TargetIR } from "../ir.ts";
import { code, comment, join, literal, name, Scope, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";

export const PRICES_FILE = "prices.ts";

/** Whether this environment needs generated/<env>/prices.ts: some target forwards to a dataset-priced provider. */
export function needsPricesModule(ir: ConfigIR): boolean {
  return ir.prices.lookups.length > 0;
}

/** `{ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75, tiers: [{ above: 200000, … }] }`. */
export function priceLiteral(price: ModelPriceIR): Code {
  const rates = (r: Omit<ModelPriceIR, "tiers">) =>
    `input: ${literal(r.input).text}, output: ${literal(r.output).text}, cacheRead: ${literal(r.cacheRead).text}, cacheWrite: ${literal(r.cacheWrite).text}`;
  const tiers = price.tiers.map((tier) => `{ above: ${literal(tier.above).text}, ${rates(tier)} }`);
  return code(`{ ${rates(price)}${tiers.length ? `, tiers: [${tiers.join(", ")}]` : ""} }`);
}

// ---- route modules ----

/** What a route module needs for its targets' `price` properties. */
export interface RoutePrices {
  /** The `price` expression of a target. */
  of(target: TargetIR): Code;
  /** Module constants, one per target with a fixed price. */
  decls: Code[];
  /** Import lines. */
  imports: Code[];
}

/**
 * Fixed prices become module constants (`const openaiPrice = fixedPrice({...});`) shared by the route's
 * per-API factories; forwarding targets use their lookup from ../prices.ts; unknown ones `unpriced`.
 */
export function emitRoutePrices(ir: ConfigIR, route: RouteIR, ctx: EmitContext): RoutePrices {
  const lookups = new Map(ir.prices.lookups.map((lookup) => [lookup.provider, lookup.ident]));
  const idents = new Map(ir.providers.map((provider) => [provider.name, provider.ident]));
  const used = { fixed: false, unpriced: false, lookups: new Set<string>() };
  for (const target of route.targets) {
    if (target.price.kind === "fixed") used.fixed = true;
    else if (target.price.kind === "unknown") used.unpriced = true;
    else used.lookups.add(lookups.get(target.price.dataset)!);
  }
  const helpers = [...(used.fixed ? ["fixedPrice"] : []), ...(used.unpriced ? ["unpriced"] : [])];
  const imported = [...used.lookups].sort();
  const scope = new Scope([...helpers, ...imported, "retry", "breaker", "rateLimits", "options", "targets"]);
  const constants = new Map<TargetIR, string>();
  const decls: Code[] = [];
  for (const target of route.targets) {
    if (target.price.kind !== "fixed") continue;
    const constant = scope.unique(`${idents.get(target.provider)!}Price`);
    constants.set(target, constant);
    const source = target.price.source;
    const from =
      source.from === "dataset"
        ? `${source.provider} ${source.model} in the price dataset`
        : source.from === "local"
          ? `local ${source.kind} provider: free`
          : `${source.from === "target" ? "price" : `providers.${target.provider}.price`} at ${posText(source.pos)}`;
    decls.push(ts`const ${name(constant)} = fixedPrice(${priceLiteral(target.price.price)}); ${comment(from)}`);
  }
  const imports = [
    ...(helpers.length ? [ts`import { ${code(helpers.join(", "))} } from ${ctx.runtime("spend/price-lookup.ts")};`] : []),
    ...(imported.length ? [ts`import { ${code(imported.join(", "))} } from ${`../${PRICES_FILE}`};`] : []),
  ];
  return {
    of(target) {
      const price = target.price;
      if (price.kind === "fixed") return name(constants.get(target)!);
      if (price.kind === "unknown") return code("unpriced");
      return name(lookups.get(price.dataset)!);
    },
    decls,
    imports,
  };
}

// ---- generated/<env>/prices.ts ----

/** A condition that does not fit on one line is written one alternative per line. */
const MAX_CONDITION = 100;

interface TableCtx {
  ident: string;
  /** Hoisted regexes by source: a pattern several models share is compiled once. */
  patterns: Map<string, string>;
}

/** MatchIR as a boolean expression over `m`, the lower-cased model name. */
function condition(match: MatchIR, ctx: TableCtx, nested: boolean): string {
  if ("and" in match || "or" in match) {
    const parts = "and" in match ? match.and : match.or;
    const text = parts.map((part) => condition(part, ctx, true)).join("and" in match ? " && " : " || ");
    return nested && parts.length > 1 ? `(${text})` : text;
  }
  if ("equals" in match) return `m === ${literal(match.equals).text}`;
  if ("startsWith" in match) return `m.startsWith(${literal(match.startsWith).text})`;
  if ("endsWith" in match) return `m.endsWith(${literal(match.endsWith).text})`;
  if ("contains" in match) return `m.includes(${literal(match.contains).text})`;
  let pattern = ctx.patterns.get(match.regex);
  if (pattern === undefined) {
    pattern = `${ctx.ident}Pattern${ctx.patterns.size}`;
    ctx.patterns.set(match.regex, pattern);
  }
  return `${pattern}.test(m)`;
}

function emitTable(table: PriceTableIR): { patterns: Code[]; fn: Code } {
  const ctx: TableCtx = { ident: table.ident, patterns: new Map() };
  const lines = table.models.map((model) => {
    const result = model.price === null ? code("null") : priceLiteral(model.price);
    const alternatives = "or" in model.match ? model.match.or.map((part) => condition(part, ctx, true)) : [condition(model.match, ctx, false)];
    const test = alternatives.join(" || ");
    if (test.length <= MAX_CONDITION || alternatives.length === 1) return ts`if (${code(test)}) return ${result};`;
    return ts`if (
  ${code(alternatives.join(" ||\n"))}
) return ${result};`;
  });
  const fn = ts`/** ${code(table.provider)}: ${code(String(table.models.length))} models in the dataset's order; null: matched, not priced by tokens. */
function ${name(table.ident)}(m: string): ModelPrice | null | undefined {
  ${lines}
  return undefined;
}`;
  // `source` re-escapes `/` and line breaks, so each literal parses back to the dataset's pattern.
  const patterns = [...ctx.patterns].map(([source, constant]) => ts`const ${name(constant)} = ${code(`/${new RegExp(source).source}/`)};`);
  return { patterns, fn };
}

export function emitPricesModule(ir: ConfigIR, ctx: EmitContext): string {
  const tables = ir.prices.tables.map(emitTable);
  const idents = new Map(ir.prices.tables.map((table) => [table.provider, table.ident]));
  const lookups = ir.prices.lookups.map(
    (lookup) =>
      ts`export const ${name(lookup.ident)}: PriceLookup = datasetLookup([${code(lookup.tables.map((id) => idents.get(id)!).join(", "))}]);`,
  );
  return ts`${header(ir)}
import type { ModelPrice, PriceLookup } from ${ctx.runtime("spend/price.ts")};
import { datasetLookup } from ${ctx.runtime("spend/price-lookup.ts")};

${tables.flatMap((t) => t.patterns)}

${join(
  tables.map((t) => t.fn),
  "\n\n",
)}

${lookups}
`.text;
}
