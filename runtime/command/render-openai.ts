// A CLI's text as an OpenAI chat completion: the chat.completion.chunk stream (role chunk, content
// chunks, finish chunk, usage chunk when asked for, `data: [DONE]`), or one chat.completion body.
// @see https://platform.openai.com/docs/api-reference/chat-streaming
// @see https://platform.openai.com/docs/api-reference/chat/object
import type { OpenAIChatResponse } from "../../generated/types/index.ts";
import { createChunkWriter } from "../translate/openai-chunks.ts";
import { OPENAI_DONE } from "../translate/sse.ts";
import { openaiUsage } from "../translate/usage-shapes.ts";
import type { RenderContext, TextRenderer } from "./render.ts";

const FINISH_REASON = "stop";

export function createOpenAIRenderer(ctx: RenderContext): TextRenderer {
  const { chunk, delta } = createChunkWriter({ responseId: ctx.id, created: ctx.created, clientModel: ctx.model, includeUsage: ctx.includeUsage });

  return {
    finishReason: FINISH_REASON,
    open: () => delta({ role: "assistant", content: "" }),
    delta: (text) => delta({ content: text }),
    close: (usage) => delta({}, FINISH_REASON) + (ctx.includeUsage ? chunk([], openaiUsage(usage)) : "") + OPENAI_DONE,
    body: (text, usage) =>
      JSON.stringify({
        id: ctx.id,
        object: "chat.completion",
        created: ctx.created,
        model: ctx.model,
        choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: FINISH_REASON }],
        usage: openaiUsage(usage),
      } satisfies OpenAIChatResponse),
  };
}
