// The last event of a client stream that the gateway has to cut short (a timeout, a reset or unreadable data
// after bytes went out): an error in the client's own SSE dialect, so the SDK raises an API error instead of seeing a
// stream that merely stopped. The leading blank lines end any event the upstream left half-written.
// @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
import type { ClientApi } from "../contract.ts";
import { errorBody } from "../client/errors.ts";

export function streamErrorEvent(api: ClientApi, status: number, message: string): string {
  if (api === "responses") {
    // The Responses API's `error` event. Its sequence_number cannot be known here (the upstream's count).
    const event = { type: "error", code: status === 504 ? "timeout" : "server_error", message, param: null };
    return `\n\nevent: error\ndata: ${JSON.stringify(event)}\n\n`;
  }
  const body = errorBody(api, { status, message });
  return api === "anthropic" ? `\n\nevent: error\ndata: ${body}\n\n` : `\n\ndata: ${body}\n\n`;
}
