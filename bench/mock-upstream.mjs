// The bench's OpenAI-compatible upstream. It must never be what limits a measurement, so it is uWebSockets.js
// answering constant, precomputed bytes: a chat.completion JSON, or (when the request body has "stream":true)
// an SSE stream of 10 chat.completion.chunk events and `data: [DONE]`.
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

const STREAM_FLAG = /"stream"\s*:\s*true/;

function answer(res, body) {
  res.cork(() => {
    if (STREAM_FLAG.test(body)) {
      res.writeStatus("200 OK").writeHeader("Content-Type", "text/event-stream").writeHeader("Cache-Control", "no-cache");
      for (const event of STREAM_EVENTS) res.write(event);
      res.end();
    } else {
      res.writeStatus("200 OK").writeHeader("Content-Type", "application/json").end(COMPLETION);
    }
  });
}

uWS
  .App()
  .post("/v1/chat/completions", (res) => {
    let aborted = false;
    let body = "";
    res.onAborted(() => {
      aborted = true;
    });
    res.onData((ab, isLast) => {
      body += Buffer.from(ab).toString("latin1");
      if (isLast && !aborted) answer(res, body);
    });
  })
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
