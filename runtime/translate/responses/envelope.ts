// The Responses API side shared by every translator whose client speaks it: the response object around the
// output (most of it echoes the request, as OpenAI's does), ids, and usage in the Responses vocabulary.
// The request translation keeps what the echo needs in ResponsesState; the response side fills in the rest.
import type { OpenAIResponsesOutputItem, OpenAIResponsesRequest, OpenAIResponsesResponse, OpenAIResponsesUsage } from "../../../generated/types/index.ts";
import type { TranslationState } from "../translator.ts";
import type { Usage } from "../../usage/usage.ts";

/** The request fields a Responses answer repeats back. */
export interface ResponsesEcho {
  readonly instructions: string | null;
  readonly maxOutputTokens: number | null;
  readonly parallelToolCalls: boolean;
  readonly reasoning: { effort: string | null; summary: string | null } | null;
  readonly temperature: number | null;
  readonly topP: number | null;
  readonly text: Record<string, unknown>;
  readonly toolChoice: string | Record<string, unknown>;
  readonly tools: Record<string, unknown>[];
  readonly metadata: Record<string, string>;
  readonly user: string | null;
  /** reasoning.encrypted_content was asked for in `include`: reasoning items carry a thinking block's signature. */
  readonly encryptedReasoning: boolean;
}

export interface ResponsesState extends TranslationState {
  readonly echo: ResponsesEcho;
}

export function echoOf(body: OpenAIResponsesRequest): ResponsesEcho {
  return {
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    maxOutputTokens: typeof body.max_output_tokens === "number" ? body.max_output_tokens : null,
    parallelToolCalls: body.parallel_tool_calls !== false,
    reasoning: body.reasoning ? { effort: body.reasoning.effort ?? null, summary: body.reasoning.summary ?? null } : null,
    temperature: typeof body.temperature === "number" ? body.temperature : null,
    topP: typeof body.top_p === "number" ? body.top_p : null,
    text: (body.text as Record<string, unknown> | null | undefined) ?? { format: { type: "text" } },
    toolChoice: (body.tool_choice as string | Record<string, unknown> | undefined) ?? "auto",
    tools: (body.tools ?? []) as unknown as Record<string, unknown>[],
    metadata: body.metadata ?? {},
    user: typeof body.user === "string" ? body.user : null,
    encryptedReasoning: Array.isArray(body.include) && body.include.includes("reasoning.encrypted_content"),
  };
}

export type ResponseStatus = OpenAIResponsesResponse["status"];

/**
 * The response object. `store` is always false: a translated response is kept nowhere, so a
 * previous_response_id naming it could not be served (docs/translation.md).
 */
export function envelope(
  state: ResponsesState,
  status: ResponseStatus,
  output: OpenAIResponsesOutputItem[],
  usage: OpenAIResponsesUsage | null,
  incomplete: "max_output_tokens" | "content_filter" | null = null,
  error: { code: string; message: string } | null = null,
): OpenAIResponsesResponse {
  const echo = state.echo;
  return {
    id: state.responseId,
    object: "response",
    created_at: state.created,
    status,
    error,
    incomplete_details: incomplete === null ? null : { reason: incomplete },
    instructions: echo.instructions,
    max_output_tokens: echo.maxOutputTokens,
    model: state.clientModel,
    output,
    parallel_tool_calls: echo.parallelToolCalls,
    previous_response_id: null,
    reasoning: echo.reasoning,
    store: false,
    temperature: echo.temperature,
    text: echo.text,
    tool_choice: echo.toolChoice,
    tools: echo.tools,
    top_p: echo.topP,
    truncation: "disabled",
    metadata: echo.metadata,
    usage,
    user: echo.user,
  };
}

/** Item ids derived from the response id, so a translation stays a pure function of its input. */
export function itemId(state: TranslationState, prefix: "msg" | "fc" | "rs", n: number): string {
  return `${prefix}_${state.responseId.replace(/^resp_/, "")}_${n}`;
}

/** The gateway's usage (both vendors' terms) in the Responses API's. */
export function responsesUsage(usage: Usage, reasoningTokens: number): OpenAIResponsesUsage {
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.cache_read_input_tokens },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: usage.prompt_tokens + usage.output_tokens,
  };
}

/**
 * A thinking block carried in a reasoning item's `encrypted_content`: `thinking:<signature>` (its text is the
 * item's summary) or `redacted_thinking:<data>`. The prefixes tell our own blocks from another provider's
 * encrypted reasoning (OpenAI's), which cannot be replayed to Anthropic and is left out.
 */
export const THINKING_PREFIX = "thinking:";
export const REDACTED_PREFIX = "redacted_thinking:";
