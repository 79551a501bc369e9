// Renders a scripted response as an OpenAI chat completion: one `chat.completion` body, or the
// `chat.completion.chunk` SSE stream ending in `data: [DONE]`. Thinking is never shown to OpenAI clients
// (the API returns no reasoning text) but its time still passes.
// @see https://platform.openai.com/docs/api-reference/chat/object
// @see https://platform.openai.com/docs/api-reference/chat-streaming
import type { PlayContext } from "./context.ts";
import { FrameTimeline } from "./reply.ts";
import type { ScenarioReply, ScenarioToolCall } from "./reply.ts";
import { estimateTokens } from "./request.ts";
import type { ScenarioResponse } from "./types.ts";

/** Fixed, so that replays are byte-identical; clients do not rely on `created` being recent. */
const CREATED = 0;

export function renderOpenAI(response: ScenarioResponse, ctx: PlayContext): ScenarioReply {
  const id = `chatcmpl-scn-${ctx.turn}`;
  const timeline = new FrameTimeline(ctx.speed);
  const chunk = (choices: unknown[], usage?: unknown) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: CREATED, model: ctx.model, choices, ...(ctx.includeUsage ? { usage: usage ?? null } : {}) })}\n\n`;
  const delta = (body: unknown, finishReason: string | null = null) => chunk([{ index: 0, delta: body, logprobs: null, finish_reason: finishReason }]);

  let text = "";
  const toolCalls: ScenarioToolCall[] = [];
  // Time the scenario lets pass before this response (advanceMs, other harnesses' events) delays its first byte.
  timeline.wait(response.waitMs ?? 0);
  if (ctx.stream) timeline.emit(delta({ role: "assistant", content: "" }));
  for (const part of response.parts) {
    if (part.type === "think") {
      for (const [ms] of part.chunks) timeline.wait(ms);
    } else if (part.type === "text") {
      for (const [ms, piece] of part.chunks) {
        timeline.wait(ms);
        text += piece;
        if (ctx.stream) timeline.emit(delta({ content: piece }));
      }
    } else {
      const call: ScenarioToolCall = { id: `call_scn_${ctx.turn}_${toolCalls.length}`, name: part.name, arguments: JSON.stringify(part.input) };
      timeline.wait(part.delayMs);
      if (ctx.stream) {
        const index = toolCalls.length;
        // Name first, then the arguments, as the API streams them: clients accumulate both by `index`.
        timeline.emit(delta({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }));
        timeline.emit(delta({ tool_calls: [{ index, function: { arguments: call.arguments } }] }));
      }
      toolCalls.push(call);
    }
  }

  const finishReason = toolCalls.length > 0 ? "tool_calls" : "stop";
  const outputTokens = estimateTokens(text.length + toolCalls.reduce((sum, call) => sum + call.arguments.length, 0));
  const usage = { prompt_tokens: ctx.inputTokens, completion_tokens: outputTokens, total_tokens: ctx.inputTokens + outputTokens };
  const summary = { text, toolCalls, usage: { input_tokens: ctx.inputTokens, output_tokens: outputTokens }, finishReason };

  if (ctx.stream) {
    timeline.emit(delta({}, finishReason));
    if (ctx.includeUsage) timeline.emit(chunk([], usage));
    timeline.emit("data: [DONE]\n\n");
    return { contentType: "text/event-stream", frames: timeline.finish(), summary };
  }
  const message = {
    role: "assistant",
    // The API sends null content for a reply that is only tool calls.
    content: text === "" && toolCalls.length > 0 ? null : text,
    refusal: null,
    ...(toolCalls.length > 0
      ? { tool_calls: toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) }
      : {}),
  };
  const body = { id, object: "chat.completion", created: CREATED, model: ctx.model, choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }], usage };
  return { contentType: "application/json", frames: [{ delayMs: timeline.elapsedMs, data: JSON.stringify(body) }], summary };
}
