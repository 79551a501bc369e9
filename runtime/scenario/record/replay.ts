// Plays a recorded response (the `recorded:` key a recording writes, generator/scenario-recorded.ts) exactly as
// it was received: the same bytes, a stream's pieces with their recorded gaps scaled by the playback speed.
// Only when the client speaks the API and asks for the stream flag it was recorded with; otherwise the
// caller renders the readable events, as for any scripted response.
import type { PlayContext } from "../context.ts";
import { FrameTimeline, type ScenarioReply, type ScenarioToolCall } from "../reply.ts";
import { estimateTokens } from "../request.ts";
import type { ScenarioResponse } from "../types.ts";

export function replayRecorded(response: ScenarioResponse, api: "openai" | "anthropic", ctx: PlayContext): ScenarioReply | null {
  const recorded = response.recorded;
  if (recorded === undefined || recorded.api !== api || recorded.stream !== ctx.stream) return null;
  const timeline = new FrameTimeline(ctx.speed);
  // `advanceMs` written before it (a human's edit) passes first, as for a rendered response.
  timeline.wait(response.waitMs ?? 0);
  for (const [ms, text] of recorded.frames) {
    timeline.wait(ms);
    timeline.emit(text);
  }
  // The log's summary comes from the readable events, which the recording wrote from the same response.
  let text = "";
  const toolCalls: ScenarioToolCall[] = [];
  for (const part of response.parts) {
    if (part.type === "text") for (const [, piece] of part.chunks) text += piece;
    else if (part.type === "tool") toolCalls.push({ id: `recorded_${ctx.turn}_${toolCalls.length}`, name: part.name, arguments: JSON.stringify(part.input) });
  }
  const output = estimateTokens(text.length + toolCalls.reduce((sum, call) => sum + call.arguments.length, 0));
  const finishReason = api === "openai" ? (toolCalls.length > 0 ? "tool_calls" : "stop") : toolCalls.length > 0 ? "tool_use" : "end_turn";
  const frames = timeline.finish();
  // A whole body goes out in one piece: one frame whose delay is the recorded time to the answer.
  return {
    contentType: recorded.contentType,
    frames: ctx.stream ? frames : [{ delayMs: frames.reduce((sum, frame) => sum + frame.delayMs, 0), data: recorded.body }],
    summary: { text, toolCalls, usage: { input_tokens: ctx.inputTokens, output_tokens: output }, finishReason },
  };
}
