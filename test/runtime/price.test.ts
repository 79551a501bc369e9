// Costs in nano-dollars (runtime/spend/price.ts) and the helpers under generated price lookups
// (runtime/spend/price-lookup.ts).
import { describe, expect, it } from "vitest";
import { costNanos, worstCaseNanos, type ModelPrice } from "../../runtime/spend/price.ts";
import { dashedDate, datasetLookup, fixedPrice, matchModel, MAX_MODEL_LENGTH, memoLookup, unpriced, type ModelTable } from "../../runtime/spend/price-lookup.ts";
import { ZERO_USAGE, type Usage } from "../../runtime/usage/usage.ts";

const usage = (u: Partial<Usage>): Usage => ({ ...ZERO_USAGE, ...u });
/** Nano-dollars per token at a rate in USD per million tokens: $1/M is 1000 nano-dollars a token. */
const n = (usdPerMtok: number) => usdPerMtok * 1000;

const GPT_4O: ModelPrice = { input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: 2.5 };
/** Claude Sonnet 4.5: every rate doubles (output ×1.5) once the prompt exceeds 200k tokens. */
const SONNET: ModelPrice = {
  input: 3,
  output: 15,
  cacheRead: 0.3,
  cacheWrite: 3.75,
  tiers: [{ above: 200_000, input: 6, output: 22.5, cacheRead: 0.6, cacheWrite: 7.5 }],
};

describe("costNanos", () => {
  it.each([
    ["nothing", GPT_4O, {}, 0],
    ["1M input tokens at $2.50", GPT_4O, { input_tokens: 1_000_000 }, 2_500_000_000],
    ["1000 in, 500 out", GPT_4O, { input_tokens: 1000, output_tokens: 500 }, 2_500_000 + 5_000_000],
    ["cache reads at their own rate", GPT_4O, { input_tokens: 1000, cache_read_input_tokens: 1000 }, 2_500_000 + 1_250_000],
    ["cache writes at their own rate", SONNET, { cache_creation_input_tokens: 1000 }, 3_750_000],
    ["one token of each", SONNET, { input_tokens: 1, cache_read_input_tokens: 1, cache_creation_input_tokens: 1, output_tokens: 1 }, 3_000 + 300 + 3_750 + 15_000],
  ] as const)("%s", (_, price, u, nanos) => {
    expect(costNanos(price, usage(u))).toBe(nanos);
  });

  it("rounds up to a whole nano-dollar, once, on the sum", () => {
    // A token at $0.0003/M costs 0.3 nano-dollars: 3 such tokens are 0.9 → 1, not 3 × ceil(0.3).
    const price: ModelPrice = { input: 0.0003, output: 0.0003, cacheRead: 0.0003, cacheWrite: 0.0003 };
    expect(costNanos(price, usage({ input_tokens: 1 }))).toBe(1);
    expect(costNanos(price, usage({ input_tokens: 3 }))).toBe(1);
    expect(costNanos(price, usage({ input_tokens: 2, output_tokens: 2 }))).toBe(2);
  });

  it("adds no nano-dollar for floating-point noise", () => {
    // In floating point 3 × 0.1 × 1000 = 300.00000000000006, 3 × 0.07 × 1000 = 210.00000000000003, 3 × 1.1 × 1000 = 3300.0000000000005.
    const price: ModelPrice = { input: 0.1, output: 1.1, cacheRead: 0.07, cacheWrite: 0.1 };
    expect(costNanos(price, usage({ input_tokens: 3 }))).toBe(300);
    expect(costNanos(price, usage({ cache_read_input_tokens: 3 }))).toBe(210);
    expect(costNanos(price, usage({ output_tokens: 3 }))).toBe(3_300);
    expect(costNanos(price, usage({ input_tokens: 3, cache_read_input_tokens: 3, output_tokens: 3 }))).toBe(3_810);
  });

  it("rounds sub-pico rates up rather than losing them", () => {
    // $1/12 per million tokens (OpenRouter's Gemini cache writes): 83333.33… pico-dollars a token, counted as 83334.
    const price: ModelPrice = { input: 1 / 12, output: 0, cacheRead: 0, cacheWrite: 1 / 12 };
    expect(costNanos(price, usage({ input_tokens: 1_000 }))).toBe(83_334);
  });

  it("charges every token at the tier the whole prompt reaches", () => {
    expect(costNanos(SONNET, usage({ input_tokens: 200_000, output_tokens: 1000 }))).toBe(200_000 * n(3) + 1000 * n(15));
    // One token more and every token of every kind is at the higher rates, output included.
    expect(costNanos(SONNET, usage({ input_tokens: 200_001, output_tokens: 1000 }))).toBe(200_001 * n(6) + 1000 * n(22.5));
  });

  it("counts cache reads and writes towards the prompt size that picks the tier", () => {
    const u = usage({ input_tokens: 1000, cache_read_input_tokens: 150_000, cache_creation_input_tokens: 50_000, output_tokens: 10 });
    expect(costNanos(SONNET, u)).toBe(1000 * n(6) + 150_000 * n(0.6) + 50_000 * n(7.5) + 10 * n(22.5));
  });

  it("takes the highest tier a prompt exceeds, whatever the order of the tiers", () => {
    const price: ModelPrice = {
      ...GPT_4O,
      tiers: [
        { above: 500_000, input: 20, output: 0, cacheRead: 0, cacheWrite: 0 },
        { above: 100_000, input: 10, output: 0, cacheRead: 0, cacheWrite: 0 },
      ],
    };
    expect(costNanos(price, usage({ input_tokens: 100_000 }))).toBe(100_000 * n(2.5));
    expect(costNanos(price, usage({ input_tokens: 200_000 }))).toBe(200_000 * n(10));
    expect(costNanos(price, usage({ input_tokens: 600_000 }))).toBe(600_000 * n(20));
  });

  it("counts negative or non-finite token counts as none", () => {
    expect(costNanos(GPT_4O, usage({ input_tokens: -5, output_tokens: Number.NaN, cache_read_input_tokens: Infinity }))).toBe(0);
  });

  it("is exact for a large response", () => {
    // 10M tokens at $600/M (the dearest output rate in the dataset): $6,000.
    expect(costNanos({ input: 0, output: 600, cacheRead: 0, cacheWrite: 0 }, usage({ output_tokens: 10_000_000 }))).toBe(6_000_000_000_000);
  });
});

describe("worstCaseNanos", () => {
  it("prices every prompt token at the dearer of input and cache write", () => {
    expect(worstCaseNanos(GPT_4O, 1000, 0)).toBe(1000 * n(2.5));
    expect(worstCaseNanos(SONNET, 1000, 0)).toBe(1000 * n(3.75));
    expect(worstCaseNanos({ ...GPT_4O, cacheWrite: 1 }, 1000, 0)).toBe(1000 * n(2.5));
  });

  it("adds the output tokens at the output rate", () => {
    expect(worstCaseNanos(GPT_4O, 1000, 4096)).toBe(1000 * n(2.5) + 4096 * n(10));
  });

  it("picks the tier by prompt size", () => {
    expect(worstCaseNanos(SONNET, 200_000, 1000)).toBe(200_000 * n(3.75) + 1000 * n(15));
    expect(worstCaseNanos(SONNET, 200_001, 1000)).toBe(200_001 * n(7.5) + 1000 * n(22.5));
  });

  it("rounds up", () => {
    const price: ModelPrice = { input: 0.0003, output: 0.0003, cacheRead: 0, cacheWrite: 0 };
    expect(worstCaseNanos(price, 1, 1)).toBe(1);
    expect(worstCaseNanos(price, 2, 2)).toBe(2);
  });

  it("is never below the cost of a response that fits the request", () => {
    for (const [input, read, write, output] of [
      [100, 0, 0, 10],
      [0, 100_000, 100_001, 50],
      [1, 0, 300_000, 0],
    ]) {
      const u = usage({ input_tokens: input, cache_read_input_tokens: read, cache_creation_input_tokens: write, output_tokens: output });
      expect(worstCaseNanos(SONNET, input! + read! + write!, output!)).toBeGreaterThanOrEqual(costNanos(SONNET, u));
    }
  });
});

describe("price lookups", () => {
  const A: ModelPrice = { input: 1, output: 2, cacheRead: 1, cacheWrite: 1 };
  const B: ModelPrice = { input: 3, output: 4, cacheRead: 3, cacheWrite: 3 };

  it("fixedPrice and unpriced ignore the model", () => {
    expect(fixedPrice(A)("anything")).toBe(A);
    expect(unpriced("gpt-4o")).toBeNull();
  });

  it("matchModel lower-cases and trims once, takes the first table that matches, then tries a dashed date", () => {
    const seen: string[] = [];
    const first: ModelTable = (m) => (seen.push(m), m === "claude-sonnet-4-5-2025-09-29" ? A : m === "muted" ? null : undefined);
    const second: ModelTable = (m) => (m.startsWith("claude") || m === "muted" ? B : undefined);
    expect(matchModel("  Claude-Sonnet-4-5-20250929 ", [first])).toBe(A);
    expect(seen).toEqual(["claude-sonnet-4-5-20250929", "claude-sonnet-4-5-2025-09-29"]);
    // The fallback table matches before the dashed retry of the first.
    expect(matchModel("claude-sonnet-4-5-20250929", [first, second])).toBe(B);
    // A match that is not priced by tokens ends the search.
    expect(matchModel("MUTED", [first, second])).toBeNull();
    expect(matchModel("gpt-4o", [first, second])).toBeNull();
  });

  it("dashedDate rewrites only real compact dates", () => {
    expect(dashedDate("claude-3-5-sonnet-20241022")).toBe("claude-3-5-sonnet-2024-10-22");
    expect(dashedDate("model-20250229-x")).toBe("model-20250229-x");
    expect(dashedDate("model-20240229:free")).toBe("model-2024-02-29:free");
    expect(dashedDate("model-202410221")).toBe("model-202410221");
  });

  it("memoLookup matches a name once and stays within its size", () => {
    const calls: string[] = [];
    const lookup = memoLookup((model) => (calls.push(model), model === "a" ? A : null), 3);
    expect([lookup("a"), lookup("a"), lookup("b"), lookup("b")]).toEqual([A, A, null, null]);
    expect(calls).toEqual(["a", "b"]);
    for (const model of ["c", "d", "e", "f"]) lookup(model);
    // "a" was the oldest entry and was dropped: matched again.
    lookup("a");
    expect(calls).toEqual(["a", "b", "c", "d", "e", "f", "a"]);
  });

  it("does not match or remember absurdly long names", () => {
    const calls: string[] = [];
    const lookup = datasetLookup([(m) => (calls.push(m), A)]);
    expect(lookup("x".repeat(MAX_MODEL_LENGTH + 1))).toBeNull();
    expect(calls).toEqual([]);
    expect(lookup("x".repeat(MAX_MODEL_LENGTH))).toBe(A);
  });
});
