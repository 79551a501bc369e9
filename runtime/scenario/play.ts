// Offline playback of a compiled scenario: pure and stateless. The response is chosen by how many assistant
// turns the request's history holds, so a client that retries or replays a conversation gets the same bytes.
import type { PlayContext } from "./context.ts";
import { renderAnthropic } from "./anthropic.ts";
import { renderOpenAI } from "./openai.ts";
import { declaredTools, pickProfile, resolveTools } from "./profiles/index.ts";
import type { ScenarioReply } from "./reply.ts";
import { replayRecorded } from "./record/replay.ts";
import { countAssistantTurns, estimateInputTokens } from "./request.ts";
import type { CompiledScenario, ScenarioResponse, ToolsProfileSetting } from "./types.ts";

export type { ScenarioFrame, ScenarioReply, ScenarioToolCall } from "./reply.ts";
export { ScenarioStrictError } from "./profiles/index.ts";

export interface ScenarioRequest {
  /** The API the client speaks; the reply is rendered in it whatever the scenario's `llmApiStyle`. */
  readonly api: "openai" | "anthropic";
  readonly body: any;
  readonly stream: boolean;
  readonly model: string;
}

/** How to play: the provider's settings (routes.yaml), which the scenario's own `server:` keys override. */
export interface PlaySettings {
  /** 1 = real time, 10 = ten times faster, 0 = instant. */
  readonly speed: number;
  /** Default auto. */
  readonly toolsProfile?: ToolsProfileSetting;
  /** Default false. */
  readonly strict?: boolean;
  /** Non-strict: a tool the client did not declare went out under the name written in the scenario. */
  readonly onFallback?: (tool: string, at: string | undefined) => void;
}

/** Response N answers a history with N assistant turns; past the end, the last response repeats. */
export function selectResponse(scenario: CompiledScenario, turns: number, api: "openai" | "anthropic" = "openai"): ScenarioResponse {
  const responses = (api === "anthropic" ? scenario.anthropicResponses : undefined) ?? scenario.responses;
  return responses[Math.min(turns, responses.length - 1)]!;
}

/**
 * The reply to one request. Throws ScenarioStrictError when strict mode stops playback (a tool the client
 * did not declare).
 */
export function playScenario(scenario: CompiledScenario, request: ScenarioRequest, settings: PlaySettings): ScenarioReply {
  const turn = countAssistantTurns(request.body);
  const ctx: PlayContext = {
    turn,
    model: request.model,
    stream: request.stream,
    includeUsage: request.body?.stream_options?.include_usage === true,
    inputTokens: estimateInputTokens(request.body),
    speed: settings.speed,
  };
  let response = selectResponse(scenario, turn, request.api);
  // A recorded response is sent byte for byte to a client of its API and stream flag (runtime/scenario/record/):
  // what the client received when it was recorded, its tools included.
  const recorded = replayRecorded(response, request.api, ctx);
  if (recorded !== null) return recorded;
  // Only a response with tool calls looks at the request's tools (most responses are text).
  if (response.parts.some((part) => part.type === "tool")) {
    const declared = declaredTools(request.api, request.body);
    response = resolveTools(response, {
      scenario: scenario.name,
      profile: pickProfile(scenario.toolsProfile ?? settings.toolsProfile ?? "auto", declared),
      declared,
      strict: scenario.strict ?? settings.strict ?? false,
      onFallback: settings.onFallback,
    });
  }
  return request.api === "openai" ? renderOpenAI(response, ctx) : renderAnthropic(response, ctx);
}
