// A prompt's size in tokens without a tokenizer: characters / 4, the rule of thumb both vendors document
// for English text. Used where an answer is needed before (or instead of) the upstream's own count:
// count_tokens on a route whose target cannot count, and stream headers sent before usage arrives.
const CHARS_PER_TOKEN = 4;

/** Tokens of the parts of a request that make up the prompt (system, messages, tools), at least 1. */
export function estimatePromptTokens(body: { system?: unknown; messages?: unknown; tools?: unknown }): number {
  const text = JSON.stringify([body.system ?? null, body.messages ?? null, body.tools ?? null]);
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}
