// What playback reads from the client's request: how far the conversation has got, and a size estimate.
// Both are pure functions of the body, so the same request always gets the same reply.

/** Assistant turns in the history: the number of responses the client has already received. */
export function countAssistantTurns(body: unknown): number {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return 0;
  let turns = 0;
  for (const message of messages) if ((message as { role?: unknown } | null)?.role === "assistant") turns++;
  return turns;
}

/** A deterministic token estimate: about four characters per token, as a rule of thumb for English. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/** Estimated input tokens: every string in the request's messages, system prompt and tool definitions. */
export function estimateInputTokens(body: unknown): number {
  const request = body as { messages?: unknown; system?: unknown; tools?: unknown } | null;
  if (request === null || typeof request !== "object") return 0;
  return estimateTokens(countStringChars(request.messages) + countStringChars(request.system) + countStringChars(request.tools));
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
