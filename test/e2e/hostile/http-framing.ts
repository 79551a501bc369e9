// Hostile-input rows for HTTP framing (issue 15): too many or too large headers, bytes that are not HTTP,
// Content-Lengths that cannot be trusted, bodies and heads that never finish, pipelined requests. Each row
// says what the client must get on each HTTP backend; test/e2e/hostile.test.ts runs them on both.
//
// uWebSockets.js 20.30 (the pinned native build) refuses some of these inside its C++ parser, before any
// JavaScript runs, by holding the connection until its 10 s idle timeout or by closing it without a word;
// the gateway cannot answer there (docs/operating.md, Malformed HTTP). Those rows carry `knownGap` on the
// uws backend: they state the answer a client should get, and what uWS does instead today, which the row
// holds it to (so a uWS build that answers them turns the row red, to be updated).
import { sendRaw, type Expectation, type HostileRow, type WirePiece } from "./wire.ts";

export type Backend = "uws" | "node";

const CHAT = JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hi" }] });
const MESSAGES = JSON.stringify({ model: "demo", max_tokens: 50, messages: [{ role: "user", content: "Hi" }] });

function post(path: string, body: string, extra = "", length: string | number = Buffer.byteLength(body)): string {
  return `POST ${path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n${body}`;
}
const chat = (extra = "") => post("/v1/chat/completions", CHAT, extra);
const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: gw\r\n${extra}\r\n`;
const headerLines = (count: number, value = "v") => Array.from({ length: count }, (_, i) => `X-Hop-${i}: ${value}\r\n`).join("");

/** One conversation on a fresh connection; half a second for the gateway to close after its answers. */
const once = (pieces: WirePiece[], responses = 1) => (port: number) => sendRaw(port, pieces, { responses, settleMs: 500 });

const UWS_HOLDS = "uWS's parser waits for more bytes (no JavaScript runs) and closes the connection at its 10 s idle timeout without a response";
const UWS_CLOSES = "uWS's parser closes the connection at once without a response (no JavaScript runs)";
const UWS_DROPS_SMUGGLED = "the gateway drops the connection without an answer: uWS, asked to answer and close, would first serve the request hidden behind the body";
/** What a client gets from uWS for a request its parser refuses: no response at all, then the close. */
const NO_ANSWER: Expectation = { status: null, statuses: [], closed: true };

export function httpFramingRows(backend: Backend): HostileRow[] {
  const uws = backend === "uws";
  /** The row's gap on uWS (what it does instead is `today`); none on node:http. */
  const gap = (why: string, today: Expectation = NO_ANSWER) => (uws ? { why, today } : undefined);
  return [
    {
      name: "60 headers (more than uWS's compile-time 48, as behind a chain of proxies)",
      send: once([get("/v1/models", headerLines(59))]),
      // node:http has no such count: the request is served. uWS cannot parse it: 431 is the honest answer.
      expect: uws ? { status: 431, errorType: "invalid_request_error", api: "openai", closed: true } : { status: 200, closed: false },
      knownGap: gap(`${UWS_HOLDS} (its header count is fixed at build time, and a head past it looks unfinished)`),
    },
    {
      name: "a 40 KB header on /v1/messages: 431 in Anthropic's format",
      send: once([post("/v1/messages", MESSAGES, `anthropic-version: 2023-06-01\r\nX-Big: ${"a".repeat(40 * 1024)}\r\n`)]),
      expect: { status: 431, errorType: "invalid_request_error", api: "anthropic", closed: true },
    },
    {
      name: "a 70 KB header (past node:http's parser limit): 431",
      send: once([get("/v1/models", `X-Big: ${"a".repeat(70 * 1024)}\r\n`)]),
      expect: { status: 431, errorType: "invalid_request_error", api: "openai", closed: true },
    },
    {
      name: "garbage bytes (a TLS hello on the plain port)",
      send: once([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])]),
      expect: { status: 400, errorType: "invalid_request_error", api: "openai", closed: true },
      knownGap: gap(UWS_HOLDS),
    },
    {
      name: "a line that is not HTTP, then an empty line",
      send: once(["NOT HTTP AT ALL\r\n\r\n"]),
      expect: { status: 400, errorType: "invalid_request_error", api: "openai", closed: true },
      knownGap: gap(UWS_HOLDS),
    },
    {
      name: "a non-numeric Content-Length",
      send: once([post("/v1/chat/completions", CHAT, "", "abc")]),
      expect: { status: 400, errorType: "invalid_request_error", api: "openai", closed: true },
      knownGap: gap(UWS_CLOSES),
    },
    {
      name: "a negative Content-Length",
      send: once([post("/v1/chat/completions", CHAT, "", "-5")]),
      expect: { status: 400, errorType: "invalid_request_error", api: "openai", closed: true },
      knownGap: gap(UWS_CLOSES),
    },
    {
      name: "two Content-Length headers that disagree (a smuggling attempt)",
      send: once([post("/v1/chat/completions", CHAT, "Content-Length: 5\r\n")]),
      expect: { status: 400, errorType: "invalid_request_error", api: "openai", closed: true },
      // The gateway drops it without an answer on uWS, which would otherwise serve a request hidden behind it.
      knownGap: gap(UWS_DROPS_SMUGGLED),
    },
    {
      name: "a body shorter than its Content-Length, then nothing: 408 from the body timeout",
      send: once([post("/v1/chat/completions", CHAT.slice(0, 20), "", Buffer.byteLength(CHAT))]),
      expect: { status: 408, errorType: "invalid_request_error", api: "openai", closed: true },
    },
    {
      name: "headers that never finish: 408",
      send: once(["POST /v1/messages HTTP/1.1\r\nHost: gw\r\nanthropic-version: 2023-06-01\r\n"]),
      // Node's timeout error carries none of the bytes, so the format falls back to OpenAI's.
      expect: { status: 408, errorType: "invalid_request_error", closed: true },
      knownGap: gap(UWS_HOLDS),
    },
    {
      name: "two POSTs pipelined in one write: both answered, in order",
      send: once([chat() + chat()], 2),
      expect: { status: 200, statuses: [200, 200], closed: false },
      knownGap: gap(
        "uWS closes a connection on which a request arrives while the one before is still being answered asynchronously (\"denying async pipelining\"), before any JavaScript sees the second: neither gets a response",
      ),
    },
    {
      name: "three GETs pipelined in one write: all answered, in order",
      send: once([get("/health") + get("/v1/models") + get("/health")], 3),
      expect: { status: 200, statuses: [200, 200, 200], closed: false },
    },
    {
      name: "a GET, a POST and a GET pipelined in one write: all answered, in order",
      send: once([get("/health") + chat() + get("/v1/models")], 3),
      expect: { status: 200, statuses: [200, 200, 200], closed: false },
      knownGap: gap("as for two POSTs: uWS closes the connection when the GET arrives while the POST is pending, and drops the first GET's corked answer with it"),
    },
  ];
}
