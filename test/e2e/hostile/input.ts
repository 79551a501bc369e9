// Bad requests a careless or hostile client sends: each gets a clear error in its own API's format. The
// connection stays open after a bad body; after headers over the limit the gateway answers and closes it.
import { HEADER_LIMIT_BYTES } from "../../../runtime/listener/header-limit.ts";
import { rawRequest, sendRaw, type HostileRow } from "./wire.ts";

/** The fixture's server.body_limit (hostile.routes.yaml). */
const BODY_LIMIT = 1024 * 1024;

const openaiHeaders = { "content-type": "application/json" };
const anthropicHeaders = { "content-type": "application/json", "anthropic-version": "2023-06-01" };
const chat = (model: string, content: unknown = "hi") => JSON.stringify({ model, max_tokens: 10, messages: [{ role: "user", content }] });

/** One request on its own connection. */
const post = (path: string, headers: Record<string, string>, body?: string | Buffer) => (port: number) => sendRaw(port, [rawRequest("POST", path, headers, body)]);

/** 100 000 nested arrays inside a message's content: a recursive parser would overflow its stack. */
const deep = `{"model":"gpt-x","messages":[{"role":"user","content":${"[".repeat(100_000)}${"]".repeat(100_000)}}]}`;

/** Bytes that are not UTF-8 (a lone continuation byte, 0xFF, 0xFE) between a request's JSON tokens. */
const invalidUtf8 = Buffer.concat([Buffer.from('{"model":"gpt-x",'), Buffer.from([0x80, 0xff, 0xfe]), Buffer.from('"messages":[{"role":"user","content":"a"}]}')]);
/**
 * The same bytes inside a message's text: a pass-through body is forwarded as the client sent it (a model
 * rename is a byte splice, never a re-serialisation), so the provider judges its text, as it would without
 * the gateway. The row holds the gateway to passing it on and surviving, not to re-encoding it.
 */
const invalidUtf8InText = Buffer.concat([Buffer.from('{"model":"gpt-x","messages":[{"role":"user","content":"a'), Buffer.from([0x80, 0xff, 0xfe]), Buffer.from('"}]}')]);

const bigHeader = { "x-big": "a".repeat(HEADER_LIMIT_BYTES + 1024) };

export const inputRows: HostileRow[] = [
  { name: "malformed JSON, OpenAI chat", send: post("/v1/chat/completions", openaiHeaders, '{"model": "gpt-x", messages: ['), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "malformed JSON, Anthropic messages", send: post("/v1/messages", anthropicHeaders, "{not json"), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "truncated JSON (cut mid-message, length matching)", send: post("/v1/chat/completions", openaiHeaders, chat("gpt-x").slice(0, 40)), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "truncated JSON, Responses API", send: post("/v1/responses", openaiHeaders, '{"model":"gpt-x","input":"h'), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "empty body", send: post("/v1/chat/completions", openaiHeaders, ""), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "JSON that is not an object", send: post("/v1/messages", anthropicHeaders, "[1,2,3]"), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "invalid UTF-8 between JSON tokens", send: post("/v1/chat/completions", openaiHeaders, invalidUtf8), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "invalid UTF-8 inside a message's text: forwarded untouched for the provider to judge", send: post("/v1/chat/completions", openaiHeaders, invalidUtf8InText), expect: { status: 200, closed: false } },
  { name: "100k-deep nesting", send: post("/v1/chat/completions", openaiHeaders, deep), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "100k-deep nesting, Anthropic messages", send: post("/v1/messages", anthropicHeaders, deep.replace("gpt-x", "claude-x")), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "wrong type: messages is a string", send: post("/v1/chat/completions", openaiHeaders, '{"model":"gpt-x","messages":"hi"}'), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "wrong type: model is a number", send: post("/v1/messages", anthropicHeaders, '{"model":42,"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}'), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "wrong type: stream is a string", send: post("/v1/chat/completions", openaiHeaders, '{"model":"gpt-x","stream":"yes","messages":[{"role":"user","content":"hi"}]}'), expect: { status: 400, errorType: "invalid_request_error", closed: false } },
  { name: "unknown model, OpenAI chat", send: post("/v1/chat/completions", openaiHeaders, chat("no-such-model")), expect: { status: 404, errorType: "not_found_error", closed: false } },
  { name: "unknown model, Anthropic messages", send: post("/v1/messages", anthropicHeaders, chat("no-such-model")), expect: { status: 404, errorType: "not_found_error", closed: false } },
  {
    name: "body over server.body_limit, sent whole",
    send: post("/v1/chat/completions", openaiHeaders, chat("gpt-x", "x".repeat(BODY_LIMIT + 1024))),
    expect: { status: 413, errorType: "invalid_request_error", closed: false },
  },
  {
    name: "body over the limit declared in content-length, Anthropic messages",
    send: (port) => sendRaw(port, [rawRequest("POST", "/v1/messages", { ...anthropicHeaders, "content-length": String(50 * BODY_LIMIT) }), "{"]),
    expect: { status: 413, errorType: "request_too_large", closed: false },
  },
  { name: "huge headers, OpenAI chat", send: post("/v1/chat/completions", { ...openaiHeaders, ...bigHeader }, chat("gpt-x")), expect: { status: 431, errorType: "invalid_request_error", closed: true } },
  { name: "huge headers, Anthropic messages", send: post("/v1/messages", { ...anthropicHeaders, ...bigHeader }, chat("claude-x")), expect: { status: 431, errorType: "invalid_request_error", closed: true } },
  { name: "huge headers, Responses API", send: post("/v1/responses", { ...openaiHeaders, ...bigHeader }, '{"model":"gpt-x","input":"hi"}'), expect: { status: 431, errorType: "invalid_request_error", closed: true } },
  { name: "huge headers, count_tokens", send: post("/v1/messages/count_tokens", { ...anthropicHeaders, ...bigHeader }, chat("claude-x")), expect: { status: 431, errorType: "invalid_request_error", closed: true } },
  { name: "huge headers, embeddings", send: post("/v1/embeddings", { ...openaiHeaders, ...bigHeader }, '{"model":"gpt-x","input":"hi"}'), expect: { status: 431, errorType: "invalid_request_error", closed: true } },
  { name: "huge headers, pass-through", send: (port) => sendRaw(port, [rawRequest("GET", "/v1/files/file-1/content", bigHeader)]), expect: { status: 431, errorType: "invalid_request_error", closed: true } },
];
