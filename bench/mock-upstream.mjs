// The bench's upstream, OpenAI- and Anthropic-compatible. It must never be what limits a measurement, so it is
// uWebSockets.js answering constant, precomputed bytes. POST /v1/chat/completions: a chat.completion JSON, or
// (when the request body has "stream":true) an SSE stream of 10 chat.completion.chunk events and
// `data: [DONE]`. POST /v1/messages: the same answer as an Anthropic message, or its event stream with the
// same 8 text deltas (which a translating gateway turns back into the same 10 OpenAI chunks).
// Usage: node bench/mock-upstream.mjs --port N [--host 127.0.0.1]
import { parseArgs } from "node:util";
import uWS from "uWebSockets.js";

const { values } = parseArgs({ options: { port: { type: "string" }, host: { type: "string", default: "127.0.0.1" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error("mock-upstream: --port N is required");

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

function answer(res, body, whole, events) {
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

/** A POST handler that reads the whole body, then answers with `whole` or `events`. */
function endpoint(whole, events) {
  return (res) => {
    let aborted = false;
    let body = "";
    res.onAborted(() => {
      aborted = true;
    });
    res.onData((ab, isLast) => {
      body += Buffer.from(ab).toString("latin1");
      if (isLast && !aborted) answer(res, body, whole, events);
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
