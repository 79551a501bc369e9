// What playback reads from the client's request: how far the conversation has got (a pure function of the
// body, so the same request always gets the same reply). Size estimates are runtime/usage/token-estimate.ts's.
export { estimatePromptTokens as estimateInputTokens, estimateTokens } from "../usage/token-estimate.ts";

/** Assistant turns in the history: the number of responses the client has already received. */
export function countAssistantTurns(body: unknown): number {
  const messages = (body as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return 0;
  let turns = 0;
  for (const message of messages) if ((message as { role?: unknown } | null)?.role === "assistant") turns++;
  return turns;
}
