// Serves a request from a compiled scenario: the frames are computed up front (playback is deterministic)
// and written on their timers, streamed or as one body, stopping as soon as the client goes away. The
// scenario is the provider's bundled one, or a loaded one named by `x-switchyard-scenario`; its session
// (runtime/scenario/session/) runs the request's checks and counts what was served. Strict mode's stop is
// answered as a 400 in the client's format, before any byte of a stream, and kept in the request log as the
// attempt's error.
import type { ScenarioUpstream } from "../contract.ts";
import { errorBody, JSON_HEADERS } from "../client/errors.ts";
import type { ClientSink } from "../client/response.ts";
import type { AttemptOutcome, AttemptRequest } from "./http.ts";
import { appLog } from "../log/app-log.ts";
import { playScenario, ScenarioStrictError, type ScenarioReply } from "../scenario/play.ts";
import { countAssistantTurns } from "../scenario/request.ts";
import { MAX_SESSION_CHARS, SCENARIO_HEADER, SESSION_HEADER, type ScenarioRegistry } from "../scenario/session/registry.ts";
import type { ResponseSummary } from "../streams/stream-tap.ts";
import { usageFromAnthropic } from "../usage/usage.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** (scenario, tool) pairs already warned about: once each per process, not once per request. */
const warnedFallbacks = new Set<string>();

function warnFallback(scenario: string, provider: string, tool: string, at: string | undefined): void {
  const key = `${scenario}\u0000${tool}`;
  if (warnedFallbacks.has(key)) return;
  warnedFallbacks.add(key);
  appLog.warn(
    { provider, scenario, tool, at },
    `scenario "${scenario}"${at ? ` (${at})` : ""}: the client did not declare a tool "${tool}"; sent under that name (set server.strict: true to stop instead)`,
  );
}

export async function attemptScenario(
  request: AttemptRequest,
  body: unknown,
  upstream: ScenarioUpstream,
  client: ClientSink,
  scenarios: ScenarioRegistry,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const api = request.api === "anthropic" ? "anthropic" : "openai";
  const refuse = (status: number, code: string, message: string): AttemptOutcome => {
    const error = errorBody(api, { status, message, code });
    client.send(status, { ...JSON_HEADERS, "x-switchyard-request-id": request.requestId }, error);
    return { kind: "relayed", status, latencyMs: performance.now() - started, ttfbMs: performance.now() - request.receivedAt, summary: null, responseBody: error, error: message };
  };
  const named = request.headers[SCENARIO_HEADER];
  const playable = named === undefined ? scenarios.forUpstream(upstream) : scenarios.pick(named);
  if (playable === undefined) {
    return refuse(404, "scenario_not_found", `no scenario named ${JSON.stringify(named)} is loaded: load it with POST /_switchyard/scenarios, or drop the ${SCENARIO_HEADER} header to play the provider's own`);
  }
  // Sessions keep parallel tests apart: the header, else the client's key, else one shared session.
  const session = request.headers[SESSION_HEADER] ?? request.client.keyId ?? "default";
  // Sessions are kept in memory, up to a count per scenario: their names are bounded too.
  if (session.length > MAX_SESSION_CHARS) return refuse(400, "invalid_session", `${SESSION_HEADER} is longer than ${MAX_SESSION_CHARS} characters`);
  playable.observe(session, countAssistantTurns(body), api, body);
  let reply: ScenarioReply;
  try {
    reply = playScenario(playable.scenario, { api, body, stream: request.stream, model: request.model }, {
      speed: upstream.speed,
      toolsProfile: upstream.toolsProfile,
      strict: upstream.strict,
      onFallback: (tool, at) => warnFallback(playable.scenario.name, upstream.name, tool, at),
    });
  } catch (error) {
    if (!(error instanceof ScenarioStrictError)) throw error;
    const responseBody = errorBody(request.api, { status: 400, message: error.message, code: "scenario_strict_tool" });
    client.send(400, { ...JSON_HEADERS, "x-switchyard-request-id": request.requestId }, responseBody);
    const latencyMs = performance.now() - started;
    return { kind: "relayed", status: 400, latencyMs, ttfbMs: performance.now() - request.receivedAt, summary: null, responseBody, error: error.message, clientCaused: true };
  }
  const headers = { "content-type": reply.contentType, "x-switchyard-request-id": request.requestId };
  let ttfbMs = -1;
  if (request.stream) {
    client.begin(200, { ...headers, "cache-control": "no-cache" });
    for (const frame of reply.frames) {
      if (frame.delayMs > 0) await sleep(frame.delayMs);
      if (client.aborted) return { kind: "client-gone", latencyMs: performance.now() - started };
      if (ttfbMs < 0) ttfbMs = performance.now() - request.receivedAt;
      client.write(frame.data);
    }
    client.end();
  } else {
    const total = reply.frames.reduce((sum, frame) => sum + frame.delayMs, 0);
    if (total > 0) await sleep(total);
    if (client.aborted) return { kind: "client-gone", latencyMs: performance.now() - started };
    client.send(200, headers, reply.frames.map((frame) => frame.data).join(""));
    ttfbMs = performance.now() - request.receivedAt;
  }
  const summary: ResponseSummary = {
    usage: usageFromAnthropic(reply.summary.usage),
    usageEstimated: true,
    text: reply.summary.text,
    reasoning: "",
    toolCalls: [...reply.summary.toolCalls],
    finishReason: reply.summary.finishReason,
    error: null,
  };
  return {
    kind: "relayed",
    status: 200,
    latencyMs: performance.now() - started,
    ttfbMs,
    summary,
    responseBody: request.stream ? undefined : reply.frames.map((frame) => frame.data).join(""),
  };
}
