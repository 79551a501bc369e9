// Offline playback of a compiled scenario: pure and stateless. The response is chosen by how many assistant
// turns the request's history holds, so a client that retries or replays a conversation gets the same bytes.
import type { PlayContext } from "./context.ts";
import { renderAnthropic } from "./anthropic.ts";
import { renderOpenAI } from "./openai.ts";
import type { ScenarioReply } from "./reply.ts";
import { replayRecorded } from "./record/replay.ts";
import { countAssistantTurns, estimateInputTokens } from "./request.ts";
import type { CompiledScenario, ScenarioResponse } from "./types.ts";

export type { ScenarioFrame, ScenarioReply, ScenarioToolCall } from "./reply.ts";

export interface ScenarioRequest {
  /** The API the client speaks; the reply is rendered in it whatever the scenario's `llmApiStyle`. */
  readonly api: "openai" | "anthropic";
  readonly body: any;
  readonly stream: boolean;
  readonly model: string;
}

/** Response N answers a history with N assistant turns; past the end, the last response repeats. */
export function selectResponse(scenario: CompiledScenario, turns: number): ScenarioResponse {
  const responses = scenario.responses;
  return responses[Math.min(turns, responses.length - 1)]!;
}

/** The reply to one request, with frame delays scaled by `speed` (1 = real time, 0 = instant). */
export function playScenario(scenario: CompiledScenario, request: ScenarioRequest, speed: number): ScenarioReply {
  const turn = countAssistantTurns(request.body);
  const ctx: PlayContext = {
    turn,
    model: request.model,
    stream: request.stream,
    includeUsage: request.body?.stream_options?.include_usage === true,
    inputTokens: estimateInputTokens(request.body),
    speed,
  };
  const response = selectResponse(scenario, turn);
  // A recorded response is sent byte for byte to a client of its API and stream flag (runtime/scenario/record/).
  return replayRecorded(response, request.api, ctx) ?? (request.api === "openai" ? renderOpenAI(response, ctx) : renderAnthropic(response, ctx));
}
