// A prompt's size in tokens without a tokenizer: about four characters per token, the rule of thumb both
// vendors give for English. Used wherever a count is needed before (or instead of) the upstream's own:
// count_tokens on routes whose target cannot count, stream headers sent before usage arrives, scenario
// playback and local CLIs. Deterministic: the same request always gets the same estimate.
const CHARS_PER_TOKEN = 4;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/**
 * Every string in the request's messages, system prompt and tool definitions (keys and JSON syntax are not
 * text the model reads). 0 for a body that is not an object.
 */
export function estimatePromptTokens(body: unknown): number {
  // messages and system for chat and messages; input and instructions for the Responses API.
  const request = body as { messages?: unknown; system?: unknown; tools?: unknown; input?: unknown; instructions?: unknown } | null;
  if (request === null || typeof request !== "object") return 0;
  return estimateTokens(
    countStringChars(request.messages) + countStringChars(request.system) + countStringChars(request.tools) + countStringChars(request.input) + countStringChars(request.instructions),
  );
}

function countStringChars(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + countStringChars(item), 0);
  if (value !== null && typeof value === "object") {
    let sum = 0;
    for (const item of Object.values(value)) sum += countStringChars(item);
    return sum;
  }
  return 0;
}

/**
 * An embeddings `input` or a completions `prompt`: text (or lists of texts) estimated like a prompt, token
 * ids (arrays of numbers) counted exactly, one token each. 0 for anything else.
 */
export function estimateInputTokens(input: unknown): number {
  if (typeof input === "string") return estimateTokens(input.length);
  if (typeof input === "number") return 1;
  if (!Array.isArray(input)) return 0;
  let sum = 0;
  for (const item of input) sum += estimateInputTokens(item);
  return sum;
}
