// Token usage in both vendors' vocabularies at once, so a log line can be summed the same way whichever
// API served it. The two APIs count the prompt differently: OpenAI's prompt_tokens includes cached
// tokens (reported again under prompt_tokens_details.cached_tokens); Anthropic's input_tokens excludes
// cache reads and cache writes, which are reported beside it.
//
// Field names are typed against the generated wire types (generated/types, from schema/providers), so a
// schema change that renames a usage field breaks the build here, not the token counts in production.
import type { AnthropicUsage, OpenAIChatUsage } from "../../generated/types/index.ts";

/** An upstream's usage object, read defensively: any field may be missing or mistyped. */
type Untrusted<T> = { readonly [K in keyof T]?: unknown };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** The usage of a response whose upstream reported none. */
export const ZERO_USAGE: Readonly<Usage> = Object.freeze({
  prompt_tokens: 0,
  completion_tokens: 0,
  total_tokens: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

/** Counts estimated here (no cache): a CLI's answer, or a response whose upstream reported none. */
export function estimatedUsage(inputTokens: number, outputTokens: number): Usage {
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
}

/** A finite number, else undefined: usage objects from upstreams are not trusted to be well typed. */
function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * From an OpenAI `usage` object. Missing or mistyped fields count as 0; null when `u` is not an object
 * or carries none of the known counts.
 */
export function usageFromOpenAI(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const usage = u as Untrusted<OpenAIChatUsage>;
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const total = count(usage.total_tokens);
  const details = usage.prompt_tokens_details;
  const cached = isObject(details) ? count((details as Untrusted<NonNullable<OpenAIChatUsage["prompt_tokens_details"]>>).cached_tokens) : undefined;
  if (prompt === undefined && completion === undefined && total === undefined && cached === undefined) return null;
  const p = prompt ?? 0;
  const c = completion ?? 0;
  const cacheRead = cached ?? 0;
  return {
    prompt_tokens: p,
    completion_tokens: c,
    total_tokens: total ?? p + c,
    input_tokens: Math.max(0, p - cacheRead),
    output_tokens: c,
    cache_read_input_tokens: cacheRead,
    cache_creation_input_tokens: 0,
  };
}

/**
 * From a Responses API `usage` object: input_tokens includes the cached ones (input_tokens_details.cached_tokens),
 * as chat's prompt_tokens does. Null when `u` is not an object or carries none of the known counts.
 */
export function usageFromResponses(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const total = count(u.total_tokens);
  const cached = isObject(u.input_tokens_details) ? count(u.input_tokens_details.cached_tokens) : undefined;
  if (input === undefined && output === undefined && total === undefined) return null;
  return usageFromOpenAI({ prompt_tokens: input ?? 0, completion_tokens: output ?? 0, total_tokens: total ?? (input ?? 0) + (output ?? 0), prompt_tokens_details: { cached_tokens: cached ?? 0 } });
}

/** The usage reader for a client API's bodies. */
function usageReader(api: "openai" | "anthropic" | "responses"): (u: unknown) => Usage | null {
  return api === "openai" ? usageFromOpenAI : api === "anthropic" ? usageFromAnthropic : usageFromResponses;
}

/**
 * From an Anthropic `usage` object. Missing or mistyped fields count as 0; null when `u` is not an
 * object or carries none of the known counts.
 */
export function usageFromAnthropic(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const usage = u as Untrusted<AnthropicUsage>;
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheCreation = count(usage.cache_creation_input_tokens);
  if (input === undefined && output === undefined && cacheRead === undefined && cacheCreation === undefined) return null;
  const i = input ?? 0;
  const o = output ?? 0;
  const r = cacheRead ?? 0;
  const w = cacheCreation ?? 0;
  const prompt = i + r + w;
  return {
    prompt_tokens: prompt,
    completion_tokens: o,
    total_tokens: prompt + o,
    input_tokens: i,
    output_tokens: o,
    cache_read_input_tokens: r,
    cache_creation_input_tokens: w,
  };
}

/**
 * Usage from a whole (non-stream) response body, parsing it once; `json` tells the request log it may
 * splice the body in as is.
 */
export function usageFromBody(api: "openai" | "anthropic" | "responses", text: string): { usage: Usage | null; json: boolean } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { usage: null, json: false };
  }
  const usage = isObject(body) ? body.usage : undefined;
  return { usage: usageReader(api)(usage), json: true };
}

/**
 * Usage from a whole response body without parsing all of it: both APIs put `usage` near the end, so parse
 * only the object after the last `"usage"` key, falling back to a full parse when that does not work out.
 * For the request log when it keeps no bodies (and so has no other reason to parse them).
 */
export function usageFromBodyTail(api: "openai" | "anthropic" | "responses", text: string): Usage | null {
  const key = text.lastIndexOf('"usage"');
  const open = key < 0 ? -1 : text.indexOf("{", key);
  if (open > 0 && /^\s*:\s*$/.test(text.slice(key + 7, open))) {
    const close = matchingBrace(text, open);
    if (close > 0) {
      try {
        const usage: unknown = JSON.parse(text.slice(open, close + 1));
        return usageReader(api)(usage);
      } catch {
        /* fall through to the full parse */
      }
    }
  }
  return usageFromBody(api, text).usage;
}

/** Index of the `}` closing the object that opens at `open`, skipping strings; -1 if unbalanced. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92 /* \ */) i++;
    } else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i;
  }
  return -1;
}
