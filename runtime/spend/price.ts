// What a response costs. Prices are compiled into the bundle (generator/prices.ts): every target carries a
// `price` lookup, a constant for a fixed upstream model and a compiled matcher for targets that forward the
// client's model. Costs are integer nano-dollars so they add up exactly across requests.
//
// Arithmetic: each rate becomes whole pico-dollars per token (USD per million tokens × 1e6, rounded up; the
// dataset and routes.yaml give at most six decimals, so nothing is lost in practice), token counts times
// those are exact integers below 2^53 pico-dollars (about $9,000 for one response), and the sum is rounded up
// to a nano-dollar once. Floating-point noise (3 × 0.1) therefore never adds a nano-dollar.
import type { Usage } from "../usage/usage.ts";

/** USD per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
  readonly tiers?: readonly PriceTier[];
}

/** Applies to every token when the prompt (input + cache read + cache write tokens) is larger than `above`. */
export interface PriceTier {
  readonly above: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

/** A target's price for the upstream model actually requested; null: unknown. */
export type PriceLookup = (upstreamModel: string) => ModelPrice | null;

type Rates = Omit<PriceTier, "above">;

const PICO_PER_NANO = 1000;

/** Whole pico-dollars per token for USD per million tokens, rounded up; float noise below 1e-6 is not a fraction. */
function picoPerToken(usdPerMtok: number): number {
  return Math.max(0, Math.ceil(usdPerMtok * 1e6 - 1e-6));
}

/** A token count as reported; anything negative or not finite counts as none. */
function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The rates for a prompt of `promptTokens`: the tier with the largest `above` below it, else the base rates. */
function ratesFor(price: ModelPrice, promptTokens: number): Rates {
  let rates: Rates = price;
  let above = -1;
  for (const tier of price.tiers ?? []) {
    if (promptTokens > tier.above && tier.above > above) {
      rates = tier;
      above = tier.above;
    }
  }
  return rates;
}

function nanosOf(pico: number): number {
  return Math.ceil(pico / PICO_PER_NANO);
}

/** Cost of a response in integer nano-dollars (1e-9 USD), rounded up, from runtime/usage/usage.ts Usage (input_tokens = uncached prompt, cache_read_input_tokens, cache_creation_input_tokens, output_tokens). */
export function costNanos(price: ModelPrice, usage: Usage): number {
  const input = tokens(usage.input_tokens);
  const cacheRead = tokens(usage.cache_read_input_tokens);
  const cacheWrite = tokens(usage.cache_creation_input_tokens);
  const output = tokens(usage.output_tokens);
  const rates = ratesFor(price, input + cacheRead + cacheWrite);
  return nanosOf(
    input * picoPerToken(rates.input) +
      cacheRead * picoPerToken(rates.cacheRead) +
      cacheWrite * picoPerToken(rates.cacheWrite) +
      output * picoPerToken(rates.output),
  );
}

/** The most a request can cost: every prompt token at the dearer of input and cache-write rates, `outputTokens` at the output rate, tier by prompt size; nano-dollars, rounded up. */
export function worstCaseNanos(price: ModelPrice, promptTokens: number, outputTokens: number): number {
  const prompt = tokens(promptTokens);
  const rates = ratesFor(price, prompt);
  const promptRate = Math.max(picoPerToken(rates.input), picoPerToken(rates.cacheWrite));
  return nanosOf(prompt * promptRate + tokens(outputTokens) * picoPerToken(rates.output));
}
