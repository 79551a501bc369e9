// Token usage in both vendors' vocabularies at once, so a log line can be summed the same way whichever
// API served it. The two APIs count the prompt differently: OpenAI's prompt_tokens includes cached
// tokens (reported again under prompt_tokens_details.cached_tokens); Anthropic's input_tokens excludes
// cache reads and cache writes, which are reported beside it.

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
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
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  const total = count(u.total_tokens);
  const details = u.prompt_tokens_details;
  const cached = isObject(details) ? count(details.cached_tokens) : undefined;
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
 * From an Anthropic `usage` object. Missing or mistyped fields count as 0; null when `u` is not an
 * object or carries none of the known counts.
 */
export function usageFromAnthropic(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const input = count(u.input_tokens);
  const output = count(u.output_tokens);
  const cacheRead = count(u.cache_read_input_tokens);
  const cacheCreation = count(u.cache_creation_input_tokens);
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
