// The bench's upstream, OpenAI- and Anthropic-compatible. It must never be what limits a measurement, so it is
// uWebSockets.js answering constant, precomputed bytes. POST /v1/chat/completions: a chat.completion JSON, or
// (when the request body has "stream":true) an SSE stream of 10 chat.completion.chunk events (and a usage
// chunk when it asks for stream_options.include_usage) and
// `data: [DONE]`. POST /v1/messages: the same answer as an Anthropic message, or its event stream with the
// same 8 text deltas (which a translating gateway turns back into the same 10 OpenAI chunks).
// With --hold-ms H every response takes about H ms: a stream's events go out one per tick of H/10 ms (the
// first with the head, each its own upstream read, as a model's tokens arrive), a plain answer after 10 ticks.
// The 1000-connection rows need that: an instant upstream would leave the connections queued in the gateway,
// not concurrent streams in flight through it.
// Usage: node bench/mock-upstream.mjs --port N [--host 127.0.0.1] [--hold-ms H]
import { parseArgs } from "node:util";
import uWS from "uWebSockets.js";

const { values } = parseArgs({
  options: { port: { type: "string" }, host: { type: "string", default: "127.0.0.1" }, "hold-ms": { type: "string", default: "0" } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error("mock-upstream: --port N is required");
const holdMs = Number(values["hold-ms"]);
if (!Number.isInteger(holdMs) || holdMs < 0) throw new Error("mock-upstream: --hold-ms must be a whole number of milliseconds");
const HOLD_TICKS = 10;

const ID = "chatcmpl-bench0000000000000000000000";
const CREATED = 1_700_000_000;
const MODEL = "bench-model";
const WORDS = ["Hello", "!", " This", " is", " a", " fixed", " bench", " reply", "."];

const COMPLETION = Buffer.from(
  JSON.stringify({
    id: ID,
    object: "chat.completion",
    created: CREATED,
    model: MODEL,
    system_fingerprint: "fp_bench",
    choices: [
      { index: 0, message: { role: "assistant", content: WORDS.join(""), refusal: null }, logprobs: null, finish_reason: "stop" },
    ],
    usage: { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length },
  }),
);

const chunk = (delta, finishReason) =>
  `data: ${JSON.stringify({
    id: ID,
    object: "chat.completion.chunk",
    created: CREATED,
    model: MODEL,
    system_fingerprint: "fp_bench",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  })}\n\n`;

// 1 role chunk + 8 content chunks + 1 finish chunk = 10 events, then [DONE]; each is its own chunked write.
const STREAM_EVENTS = [
  chunk({ role: "assistant", content: "" }, null),
  ...WORDS.slice(0, 8).map((word, i) => chunk({ content: i === 7 ? word + WORDS[8] : word }, null)),
  chunk({}, "stop"),
  "data: [DONE]\n\n",
].map((event) => Buffer.from(event));

// With stream_options.include_usage, as OpenAI answers it: `"usage":null` in every chunk, then one more chunk
// with no choices and the usage, before [DONE] (11 events).
const USAGE = { prompt_tokens: 12, completion_tokens: WORDS.length, total_tokens: 12 + WORDS.length };
const STREAM_EVENTS_USAGE = [
  ...STREAM_EVENTS.slice(0, -1).map((event) => Buffer.from(event.toString().replace(/}\n\n$/, ',"usage":null}\n\n'))),
  Buffer.from(`data: ${JSON.stringify({ id: ID, object: "chat.completion.chunk", created: CREATED, model: MODEL, system_fingerprint: "fp_bench", choices: [], usage: USAGE })}\n\n`),
  STREAM_EVENTS[STREAM_EVENTS.length - 1],
];

const MESSAGE_USAGE = { input_tokens: 12, output_tokens: WORDS.length, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
const MESSAGE = Buffer.from(
  JSON.stringify({
    id: "msg_bench000000000000000000",
    type: "message",
    role: "assistant",
    model: MODEL,
    content: [{ type: "text", text: WORDS.join("") }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: MESSAGE_USAGE,
  }),
);
const event = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const MESSAGE_EVENTS = [
  event("message_start", {
    message: { id: "msg_bench000000000000000000", type: "message", role: "assistant", model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { ...MESSAGE_USAGE, output_tokens: 1 } },
  }),
  event("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ...WORDS.slice(0, 8).map((word, i) => event("content_block_delta", { index: 0, delta: { type: "text_delta", text: i === 7 ? word + WORDS[8] : word } })),
  event("content_block_stop", { index: 0 }),
  event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: WORDS.length } }),
  event("message_stop", {}),
].map((text) => Buffer.from(text));

const STREAM_FLAG = /"stream"\s*:\s*true/;
const INCLUDE_USAGE = /"include_usage"\s*:\s*true/;

function answer(res, state, body, whole, events) {
  if (events === STREAM_EVENTS && INCLUDE_USAGE.test(body)) events = STREAM_EVENTS_USAGE;
  if (holdMs > 0) return hold(res, state, STREAM_FLAG.test(body) ? events : null, whole);
  res.cork(() => {
    if (STREAM_FLAG.test(body)) {
      res.writeStatus("200 OK").writeHeader("Content-Type", "text/event-stream").writeHeader("Cache-Control", "no-cache");
      for (const event of events) res.write(event);
      res.end();
    } else {
      res.writeStatus("200 OK").writeHeader("Content-Type", "application/json").end(whole);
    }
  });
}

// Held responses: one timer for all of them (not one per response, which would make the mock, on the load
// core with wrk, the limit at 1000 streams). Each tick sends every held stream its next event and ends
// the plain answers that have waited HOLD_TICKS ticks.
const held = new Set();
let ticker = null;

function hold(res, state, events, whole) {
  const entry = { res, state, events, whole, next: 0, ticks: 0 };
  if (events !== null) {
    res.cork(() => {
      res.writeStatus("200 OK").writeHeader("Content-Type", "text/event-stream").writeHeader("Cache-Control", "no-cache");
      res.write(events[entry.next++]);
    });
  }
  held.add(entry);
  ticker ??= setInterval(tick, Math.max(1, Math.round(holdMs / HOLD_TICKS)));
}

function tick() {
  for (const entry of held) {
    // A held response must not be written to once its connection is gone.
    if (entry.state.aborted) {
      held.delete(entry);
      continue;
    }
    const { res, events } = entry;
    entry.ticks++;
    if (events !== null) {
      const last = entry.next === events.length - 1;
      res.cork(() => (last ? res.end(events[entry.next++]) : res.write(events[entry.next++])));
      if (last) held.delete(entry);
    } else if (entry.ticks >= HOLD_TICKS) {
      res.cork(() => res.writeStatus("200 OK").writeHeader("Content-Type", "application/json").end(entry.whole));
      held.delete(entry);
    }
  }
  if (held.size === 0) {
    clearInterval(ticker);
    ticker = null;
  }
}

/** A POST handler that reads the whole body, then answers with `whole` or `events`. */
function endpoint(whole, events) {
  return (res) => {
    const state = { aborted: false };
    let body = "";
    res.onAborted(() => {
      state.aborted = true;
    });
    res.onData((ab, isLast) => {
      body += Buffer.from(ab).toString("latin1");
      if (isLast && !state.aborted) answer(res, state, body, whole, events);
    });
  };
}

uWS
  .App()
  .post("/v1/chat/completions", endpoint(COMPLETION, STREAM_EVENTS))
  .post("/v1/messages", endpoint(MESSAGE, MESSAGE_EVENTS))
  .any("/*", (res) => {
    res.writeStatus("404 Not Found").end("not found");
  })
  .listen(values.host, port, (listenSocket) => {
    if (!listenSocket) {
      console.error(`mock-upstream: cannot listen on ${values.host}:${port}`);
      process.exit(1);
    }
    console.log(`mock-upstream listening on http://${values.host}:${port}`);
  });
