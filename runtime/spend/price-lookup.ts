// The small runtime under generated price lookups (generator/emit/prices.ts). A target with a fixed upstream
// model gets `fixedPrice(…)` or `unpriced`; a target that forwards the client's model gets
// `datasetLookup([...tables])`, where each table is a generated function testing one dataset provider's
// models in the dataset's own order (as @pydantic/genai-prices matches them, compiled to plain conditions).
import type { ModelPrice, PriceLookup } from "./price.ts";

/**
 * One dataset provider's models, tried in order against a lower-cased, trimmed model name: the first match's
 * price, null when the first match is not priced by tokens, undefined when no model matches.
 */
export type ModelTable = (model: string) => ModelPrice | null | undefined;

/** A target whose price does not depend on the requested model. */
export function fixedPrice(price: ModelPrice): PriceLookup {
  return () => price;
}

/** A target whose cost is not known: not counted, and not usable where a budget applies. */
export const unpriced: PriceLookup = () => null;

/** How many model names a lookup remembers; clients choose the names, so the memo must not grow with them. */
export const MEMO_SIZE = 512;
/** No model name is this long; longer ones are not matched (nor remembered), so they cost no regex time. */
export const MAX_MODEL_LENGTH = 256;

/**
 * `match` memoised per model name in a Map bounded to `size` entries (the oldest is dropped first), so a
 * client sending a new name with every request on a `*\/*` route costs one match each and no memory growth.
 */
export function memoLookup(match: PriceLookup, size = MEMO_SIZE): PriceLookup {
  const memo = new Map<string, ModelPrice | null>();
  return (model) => {
    const known = memo.get(model);
    if (known !== undefined) return known;
    if (model.length > MAX_MODEL_LENGTH) return null;
    const price = match(model);
    if (memo.size >= size) memo.delete(memo.keys().next().value!);
    memo.set(model, price);
    return price;
  };
}

/** A forwarding target's lookup over its dataset provider's table, then its fallback providers' tables. */
export function datasetLookup(tables: readonly ModelTable[]): PriceLookup {
  return memoLookup((model) => matchModel(model, tables));
}

/**
 * As @pydantic/genai-prices resolves a model: case-insensitively, the first table with a matching model
 * decides; when none matches, once more with a compact date written with dashes (`-20250929` → `-2025-09-29`).
 */
export function matchModel(model: string, tables: readonly ModelTable[]): ModelPrice | null {
  const m = model.toLowerCase().trim();
  const found = firstMatch(m, tables);
  if (found !== undefined) return found;
  const dashed = dashedDate(m);
  return dashed === m ? null : (firstMatch(dashed, tables) ?? null);
}

function firstMatch(m: string, tables: readonly ModelTable[]): ModelPrice | null | undefined {
  for (const table of tables) {
    const price = table(m);
    if (price !== undefined) return price;
  }
  return undefined;
}

const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

/** `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5-2025-09-29`; only real calendar dates are rewritten. */
export function dashedDate(model: string): string {
  return model.replace(COMPACT_DATE, (whole, dash: string, year: string, month: string, day: string) => {
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    const real = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
    return real ? `${dash}${year}-${month}-${day}` : whole;
  });
}
