// Renders a scripted response as an Anthropic message: one `message` body, or the SSE event stream
// (message_start, content_block_start/delta/stop per block, message_delta, message_stop).
// Each scripted part is one content block: think → thinking, assistant → text, a tool call → tool_use.
// @see https://docs.anthropic.com/en/api/messages
// @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
import type { PlayContext } from "./context.ts";
import { FrameTimeline } from "./reply.ts";
import type { ScenarioReply, ScenarioToolCall } from "./reply.ts";
import { estimateTokens } from "./request.ts";
import type { ScenarioResponse } from "./types.ts";

type ContentBlock =
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Readonly<Record<string, unknown>> };

export function renderAnthropic(response: ScenarioResponse, ctx: PlayContext): ScenarioReply {
  const id = `msg_scn_${ctx.turn}`;
  const timeline = new FrameTimeline(ctx.speed);
  const event = (type: string, body: Record<string, unknown>) => {
    if (ctx.stream) timeline.emit(`event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`);
  };
  const message = (content: ContentBlock[], stopReason: string | null, outputTokens: number) => ({
    id,
    type: "message",
    role: "assistant",
    model: ctx.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { input_tokens: ctx.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens },
  });

  // Time the scenario lets pass before this response (advanceMs, other harnesses' events) delays its first byte.
  timeline.wait(response.waitMs ?? 0);
  event("message_start", { message: message([], null, 0) });
  const blocks: ContentBlock[] = [];
  const toolCalls: ScenarioToolCall[] = [];
  let text = "";
  let outputChars = 0;
  response.parts.forEach((part, index) => {
    if (part.type === "think") {
      // Signatures are opaque to clients, which only send them back; a fixed one keeps replays identical.
      const block: ContentBlock = { type: "thinking", thinking: "", signature: `sig_scn_${ctx.turn}_${index}` };
      event("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const [ms, piece] of part.chunks) {
        timeline.wait(ms);
        block.thinking += piece;
        event("content_block_delta", { index, delta: { type: "thinking_delta", thinking: piece } });
      }
      event("content_block_delta", { index, delta: { type: "signature_delta", signature: block.signature } });
      outputChars += block.thinking.length;
      blocks.push(block);
    } else if (part.type === "text") {
      const block: ContentBlock = { type: "text", text: "" };
      event("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const [ms, piece] of part.chunks) {
        timeline.wait(ms);
        block.text += piece;
        event("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
      }
      text += block.text;
      outputChars += block.text.length;
      blocks.push(block);
    } else {
      const call: ScenarioToolCall = { id: `toolu_scn_${ctx.turn}_${toolCalls.length}`, name: part.name, arguments: JSON.stringify(part.input) };
      timeline.wait(part.delayMs);
      event("content_block_start", { index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } });
      event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: call.arguments } });
      outputChars += call.arguments.length;
      toolCalls.push(call);
      blocks.push({ type: "tool_use", id: call.id, name: call.name, input: part.input });
    }
    event("content_block_stop", { index });
  });

  const stopReason = toolCalls.length > 0 ? "tool_use" : "end_turn";
  const outputTokens = estimateTokens(outputChars);
  const summary = { text, toolCalls, usage: { input_tokens: ctx.inputTokens, output_tokens: outputTokens }, finishReason: stopReason };
  if (ctx.stream) {
    event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { input_tokens: ctx.inputTokens, output_tokens: outputTokens } });
    event("message_stop", {});
    return { contentType: "text/event-stream", frames: timeline.finish(), summary };
  }
  const body = message(blocks, stopReason, outputTokens);
  return { contentType: "application/json", frames: [{ delayMs: timeline.elapsedMs, data: JSON.stringify(body) }], summary };
}
