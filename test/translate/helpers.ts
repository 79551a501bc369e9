// What every translator's focused tests build: a request context and a stream state with fixed ids and
// clock, and the `data:` payloads of an OpenAI-format stream.
import type { TranslationContext, TranslationOptions, TranslationState } from "../../runtime/translate/translator.ts";

export const DEFAULT_OPTIONS: TranslationOptions = { defaultMaxTokens: 4096, unsupported: "drop", keepCacheControl: false };

export function testContext(clientModel: string, upstreamModel: string, options: Partial<TranslationOptions> = {}): TranslationContext {
  return { clientModel, upstreamModel, requestId: "req_1", now: 1_700_000_000, options: { ...DEFAULT_OPTIONS, ...options } };
}

/** A state as an OpenAI client's request leaves it; `overrides` for the other direction or a case's needs. */
export function testState(overrides: Partial<TranslationState> = {}): TranslationState {
  return {
    clientModel: "gpt-4o",
    toolNames: new Map(),
    includeUsage: true,
    dropped: [],
    estimatedInputTokens: 1,
    responseId: "chatcmpl-req_1",
    created: 1_700_000_000,
    ...overrides,
  };
}

/** `data: …` payloads of an OpenAI-format stream, the [DONE] marker as the string "[DONE]". */
export function dataPayloads(sse: string): unknown[] {
  return sse
    .split("\n\n")
    .filter(Boolean)
    .map((frame) => frame.replace(/^data: /, ""))
    .map((data) => (data === "[DONE]" ? data : JSON.parse(data)));
}
