// Requests the gateway turns away leave a request-log record, as served ones do (issue 15, item 1): an operator
// reading the log sees who was refused and why: status, a stable error code, the client key's id (never the
// key), the route and model when the request got that far, and the peer address. Each row sends one bad
// request to the built bundle and reads the record it left.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { buildCase, logged, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const ADMIN_KEY = "admin-key-for-the-rejections-test-0123456789";
const UPSTREAM_KEY = "sk-upstream-0123456789abcdefghij";
const WRONG_KEY = "sk-sy-not-a-key-this-gateway-knows-0123456789";

let oa: MockUpstream;
let an: MockUpstream;
let gw: RunningGateway;
let key: { id: string; key: string };

beforeAll(async () => {
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" })]);
  const { bundle } = await buildCase("rejected-requests", "test/e2e/rejected-requests.routes.yaml");
  gw = await startGateway(bundle, { OA_URL: oa.url, AN_URL: an.url, UPSTREAM_KEY, SWITCHYARD_STORE: "sqlite:data/switchyard.db", SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
  const created = await fetch(`${gw.url}/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "alice" }),
  });
  expect(created.status).toBe(201);
  key = (await created.json()) as { id: string; key: string };
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa, an].map((m) => m?.close()));
});

interface Sent {
  path?: string;
  method?: string;
  /** Bearer token (OpenAI paths) or x-api-key (Anthropic paths); absent: none. */
  key?: string | "alice";
  body?: string;
  headers?: Record<string, string>;
}

async function send(request: Sent): Promise<{ status: number; body: any }> {
  const pathname = request.path ?? "/v1/chat/completions";
  const anthropic = pathname.includes("messages");
  const token = request.key === "alice" ? key.key : request.key;
  const headers: Record<string, string> = { "content-type": "application/json", ...request.headers };
  if (anthropic) headers["anthropic-version"] = "2023-06-01";
  if (token !== undefined) headers[anthropic ? "x-api-key" : "authorization"] = anthropic ? token : `Bearer ${token}`;
  const response = await fetch(`${gw.url}${pathname}`, { method: request.method ?? "POST", headers, body: request.body });
  const text = await response.text();
  return { status: response.status, body: text === "" ? null : JSON.parse(text) };
}

const chat = (model: string, extra: object = {}) => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra });

describe("rejected requests are in the request log", () => {
  // [what, request, status, error_code, key id: "alice" | "unknown" | null, route, model]
  const rows: Array<[string, Sent, number, string, "alice" | "unknown" | null, string | null, string | null]> = [
    ["no key (401)", { body: chat("gpt-4o") }, 401, "missing_api_key", null, null, null],
    ["a key the gateway does not know (401)", { key: WRONG_KEY, body: chat("gpt-4o") }, 401, "invalid_api_key", "unknown", null, null],
    ["no key on /v1/messages (401)", { path: "/v1/messages", body: JSON.stringify({ model: "claude-x", max_tokens: 5, messages: [] }) }, 401, "missing_api_key", null, null, null],
    ["no key on GET /v1/models (401)", { path: "/v1/models", method: "GET" }, 401, "missing_api_key", null, null, null],
    ["malformed JSON (400)", { key: "alice", body: '{"model": "gpt-4o", "messages": [' }, 400, "invalid_json", "alice", null, null],
    ["a field of the wrong type (400)", { key: "alice", body: chat("gpt-4o", { temperature: "hot" }) }, 400, "invalid_request", "alice", null, "gpt-4o"],
    ["over the body limit (413)", { key: "alice", body: chat("gpt-4o", { user: "x".repeat(4096) }) }, 413, "request_too_large", "alice", null, null],
    ["embeddings without input (400)", { path: "/v1/embeddings", key: "alice", body: JSON.stringify({ model: "gpt-4o" }) }, 400, "invalid_request", "alice", null, "gpt-4o"],
    ["count_tokens with malformed JSON (400)", { path: "/v1/messages/count_tokens", key: "alice", body: "{" }, 400, "invalid_json", "alice", null, null],
    ["an unknown model (404)", { key: "alice", body: chat("no-such-model") }, 404, "model_not_found", "alice", null, "no-such-model"],
    ["an unknown model on /v1/messages (404)", { path: "/v1/messages", key: "alice", body: JSON.stringify({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }) }, 404, "model_not_found", "alice", null, "nope"],
  ];

  it.each(rows)("%s", async (_what, request, status, code, who, route, model) => {
    const { result, record } = await logged(gw, () => send(request));
    expect(result!.status).toBe(status);
    expect(record).toMatchObject({ status, error_code: code, route, model, client_ip: "127.0.0.1", attempts: [] });
    expect(record.error).toEqual(expect.any(String));
    if (who === "alice") expect(record).toMatchObject({ key_id: key.id, key_name: "alice" });
    else if (who === "unknown") {
      // A hash prefix of what was sent: enough to tell one caller from another, never the key itself.
      expect(record.key_id).toEqual(expect.any(String));
      expect(record.key_name).toBeUndefined();
    } else expect(record.key_id).toBeNull();
    expect(JSON.stringify(record)).not.toContain(key.key);
    expect(JSON.stringify(record)).not.toContain(WRONG_KEY);
  });

  it("rate limited (429): the first request is served, the second refused and logged with its route and model", async () => {
    expect((await send({ key: "alice", body: chat("limited") })).status).toBe(200);
    const { result, record } = await logged(gw, () => send({ key: "alice", body: chat("limited") }));
    expect(result!.status).toBe(429);
    expect(record).toMatchObject({ status: 429, error_code: "rate_limit_exceeded", key_id: key.id, route: "limited", model: "limited", client_ip: "127.0.0.1", attempts: [] });
  });

  it("the JSONL file holds every refusal written whole, the keys in none of them", () => {
    const dir = path.join(gw.cwd, "logs");
    const text = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .map((f) => readFileSync(path.join(dir, f), "utf8"))
      .join("");
    expect(text).not.toContain(key.key);
    expect(text).not.toContain(WRONG_KEY);
    const statuses = text.trim().split("\n").map((line) => (JSON.parse(line) as { status: number }).status);
    for (const status of [400, 401, 404, 413, 429]) expect(statuses).toContain(status);
  });
});
