// A CLI's answer is plain text that arrives in pieces of unknown number, so it is rendered as it comes:
// the opening frames at the first piece, one text delta per piece, the closing frames (with usage) at
// exit; or one whole body when the client did not stream. The scenario renderers (runtime/scenario/) do
// not fit: they compute every frame up front from a script whose whole text is known.
import type { ClientApi } from "../contract.ts";
import type { Usage } from "../usage/usage.ts";
import { createAnthropicRenderer } from "./render-anthropic.ts";
import { createOpenAIRenderer } from "./render-openai.ts";

export interface RenderContext {
  /** Response id: chatcmpl-… or msg_…, from the request id. */
  readonly id: string;
  /** The request's model, echoed back as real APIs do. */
  readonly model: string;
  /** Unix seconds. */
  readonly created: number;
  /** OpenAI `stream_options.include_usage`: every chunk carries `usage: null`, and a last chunk the usage. */
  readonly includeUsage: boolean;
  /** Estimated prompt tokens, announced by Anthropic's message_start before any output. */
  readonly inputTokens: number;
}

export interface TextRenderer {
  /** The stop reason in the client API's own words (stop, end_turn), also for the request log. */
  readonly finishReason: string;
  /** SSE frames before the first text. */
  open(): string;
  /** One piece of assistant text as an SSE frame. */
  delta(text: string): string;
  /** SSE frames that finish the stream. */
  close(usage: Usage): string;
  /** The whole response body of a non-stream request. */
  body(text: string, usage: Usage): string;
}

export function createRenderer(api: ClientApi, ctx: RenderContext): TextRenderer {
  return api === "openai" ? createOpenAIRenderer(ctx) : createAnthropicRenderer(ctx);
}
