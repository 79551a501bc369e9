// Serves a request from a compiled scenario: the frames are computed up front (playback is deterministic)
// and written on their timers, streamed or as one body, stopping as soon as the client goes away.
import type { ScenarioUpstream } from "../contract.ts";
import type { ClientSink } from "../client/response.ts";
import type { AttemptOutcome, AttemptRequest } from "./http.ts";
import { playScenario } from "../scenario/play.ts";
import type { ResponseSummary } from "../streams/stream-tap.ts";
import { usageFromAnthropic } from "../usage/usage.ts";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function attemptScenario(
  request: AttemptRequest,
  body: unknown,
  upstream: ScenarioUpstream,
  client: ClientSink,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const reply = playScenario(upstream.scenario, { api: request.api === "anthropic" ? "anthropic" : "openai", body, stream: request.stream, model: request.model }, upstream.speed);
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
