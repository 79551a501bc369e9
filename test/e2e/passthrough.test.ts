// Pass-through of the OpenAI and Anthropic paths Switchyard does not translate (runtime/passthrough/),
// through the built bundle of test/e2e/passthrough.routes.yaml, driven by the official SDKs where they cover
// the endpoint, against loopback mocks that record every byte they receive: uploads and binary downloads
// arrive unchanged, the provider's key replaces the client's Switchyard key (which never travels), keys are
// required (401) and restricted keys refused (403), each request leaves a log line and moves a metric,
// limits and body limits hold, and an upload larger than any buffered body limit is streamed, not held.
import { randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway, logged } from "../support/gateway.ts";
import { refusedPort } from "../support/free-port.ts";
import { chunked, json, startPassthroughMock, type PassthroughMock, type RawRequest } from "../support/mock-passthrough.ts";

const OPENAI_KEY = "sk-upstream-openai-0123456789abcdef";
const ANTHROPIC_KEY = "sk-ant-upstream-0123456789abcdef";
const ADMIN_KEY = "admin-key-for-the-passthrough-test-0123";

const FILE = { id: "file-abc123", object: "file", bytes: 0, created_at: 1_700_000_000, filename: "batch.jsonl", purpose: "batch", status: "processed" };
const BATCH = {
  id: "batch_abc123",
  object: "batch",
  endpoint: "/v1/chat/completions",
  input_file_id: "file-abc123",
  completion_window: "24h",
  status: "validating",
  created_at: 1_700_000_000,
};
const MODERATION = {
  id: "modr-1",
  model: "omni-moderation-latest",
  results: [{ flagged: false, categories: { violence: false }, category_scores: { violence: 0.0001 }, category_applied_input_types: { violence: ["text"] } }],
};
const MESSAGE_BATCH = {
  id: "msgbatch_01",
  type: "message_batch",
  processing_status: "in_progress",
  request_counts: { processing: 1, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
  ended_at: null,
  created_at: "2026-01-01T00:00:00Z",
  expires_at: "2026-01-02T00:00:00Z",
  archived_at: null,
  cancel_initiated_at: null,
  results_url: null,
};
/** What the mock streams back for file contents and speech: random bytes, every value 0..255 in them. */
const FILE_CONTENT = randomBytes(300 * 1024);
const SPEECH = randomBytes(200 * 1024);

/** The slow download's second half is only written once this resolves (the test resolves it). */
let releaseSlow: () => void = () => {};
const slowReleased = new Promise<void>((resolve) => (releaseSlow = resolve));

/** Resolves when the provider's endless download is closed by the gateway. */
let endlessClosed: () => void = () => {};
const endlessEnded = new Promise<void>((resolve) => (endlessClosed = resolve));

let oa: PassthroughMock;
let an: PassthroughMock;
let gw: RunningGateway;
/** Keys from the admin API: unrestricted, limited to some models, and one only the rate-limit test uses. */
let alice: string;
let restricted: string;
let limited: string;

async function createKey(body: object): Promise<string> {
  const res = await fetch(`${gw.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

beforeAll(async () => {
  [oa, an] = await Promise.all([
    startPassthroughMock({
      "POST /v1/files": (req, res) => json(res, 200, { ...FILE, bytes: req.body.length }),
      "GET /v1/files": (_req, res) => json(res, 200, { object: "list", data: [FILE], has_more: false }),
      "GET /v1/files/file-abc123/content": (_req, res) => chunked(res, "application/octet-stream", FILE_CONTENT),
      "DELETE /v1/files/file-abc123": (_req, res) => json(res, 200, { id: "file-abc123", object: "file", deleted: true }),
      "POST /v1/moderations": (_req, res) => json(res, 200, MODERATION, { "x-internal": "upstream-only", "openai-processing-ms": "12" }),
      "POST /v1/audio/speech": (_req, res) => chunked(res, "audio/mpeg", SPEECH),
      "POST /v1/batches": (_req, res) => json(res, 200, BATCH),
      "GET /v1/files/file-slow/content": (_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(FILE_CONTENT.length) });
        res.write(FILE_CONTENT.subarray(0, 1024));
        void slowReleased.then(() => res.end(FILE_CONTENT.subarray(1024)));
      },
      "GET /v1/files/file-endless/content": (_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 5);
        res.on("close", () => {
          clearInterval(timer);
          endlessClosed();
        });
      },
    }),
    startPassthroughMock({
      "POST /v1/messages/batches": (_req, res) => json(res, 200, MESSAGE_BATCH),
      "GET /v1/messages/batches": (_req, res) => json(res, 200, { data: [MESSAGE_BATCH], has_more: false, first_id: MESSAGE_BATCH.id, last_id: MESSAGE_BATCH.id }),
      "GET /v1/files": (_req, res) => json(res, 200, { data: [], has_more: false, first_id: null, last_id: null }),
    }),
  ]);
  const { bundle } = await buildCase("passthrough", "test/e2e/passthrough.routes.yaml");
  gw = await startGateway(bundle, { OPENAI_URL: oa.url, ANTHROPIC_URL: an.url, GONE_URL: `http://127.0.0.1:${await refusedPort()}`, OPENAI_KEY, ANTHROPIC_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
  alice = await createKey({ name: "alice" });
  restricted = await createKey({ name: "bob", models: ["gpt-4o"] });
  limited = await createKey({ name: "carol" });
}, 180_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa?.close(), an?.close()]);
});

const openai = (apiKey = alice, maxRetries = 0) => new OpenAI({ apiKey, baseURL: `${gw.url}/v1`, maxRetries });
const anthropic = (apiKey = alice) => new Anthropic({ apiKey, baseURL: gw.url, maxRetries: 0 });

/** The one request `mock` received during `run`. */
async function received<T>(mock: PassthroughMock, run: () => Promise<T>): Promise<{ result: T; request: RawRequest }> {
  const before = mock.requests.length;
  const result = await run();
  expect(mock.requests.length).toBe(before + 1);
  return { result, request: mock.requests[before]! };
}

/** The provider's key went up in place of the client's, which appears in no header. */
function expectProviderAuth(request: RawRequest, header: "authorization" | "x-api-key", value: string, clientKey = alice): void {
  expect(request.headers[header]).toBe(value);
  for (const [name, sent] of Object.entries(request.headers)) expect(sent, name).not.toContain(clientKey);
  expect(request.headers["x-switchyard-api-key"]).toBeUndefined();
}


describe("OpenAI paths through the official SDK", () => {
  it("files.create: the multipart upload reaches the provider byte for byte, with the provider's key and header rules", async () => {
    // The SDK's fetch, recording the exact bytes of the multipart body it sends (serialised once, here).
    const sent: Buffer[] = [];
    const recordingFetch = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const request = new Request(url, init);
      // The SDK probes its fetch with a data: URL first; only requests to the gateway are recorded.
      if (!request.url.startsWith(gw.url)) return fetch(request);
      const body = Buffer.from(await request.arrayBuffer());
      sent.push(body);
      return fetch(request.url, { method: request.method, headers: request.headers, body });
    };
    const client = new OpenAI({ apiKey: alice, baseURL: `${gw.url}/v1`, maxRetries: 0, fetch: recordingFetch });
    const data = Buffer.concat([Buffer.from('{"custom_id":"1"}\n'), randomBytes(4096)]);
    const { result, request } = await received(oa, async () => client.files.create({ file: await toFile(data, "batch.jsonl"), purpose: "batch" }));
    expect(result.id).toBe("file-abc123");
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/v1/files");
    expect(request.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent).toHaveLength(1);
    expect(request.body.equals(sent[0]!)).toBe(true);
    expect(request.body.indexOf(data)).toBeGreaterThan(0);
    expect(Number(request.headers["content-length"])).toBe(request.body.length);
    expect(result.bytes).toBe(request.body.length);
    expectProviderAuth(request, "authorization", `Bearer ${OPENAI_KEY}`);
    expect(request.headers["x-gateway"]).toBe("switchyard");
  });

  it("files.list: GET with its query string kept", async () => {
    const { result, request } = await received(oa, () => openai().files.list({ purpose: "batch", limit: 2 }));
    expect(result.data.map((f) => f.id)).toEqual(["file-abc123"]);
    expect(request.method).toBe("GET");
    expect(request.url).toBe("/v1/files?purpose=batch&limit=2");
  });

  it("files.content: a binary download arrives byte for byte", async () => {
    const response = await openai().files.content("file-abc123");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await response.arrayBuffer()).equals(FILE_CONTENT)).toBe(true);
  });

  it("files.delete: DELETE is forwarded", async () => {
    const { result, request } = await received(oa, () => openai().files.delete("file-abc123"));
    expect(result.deleted).toBe(true);
    expect(request.method).toBe("DELETE");
    expect(request.url).toBe("/v1/files/file-abc123");
    expect(request.body.length).toBe(0);
  });

  it("moderations.create: the JSON body goes up as sent; response header rules apply on the way back", async () => {
    const raw = await openai().moderations.create({ model: "omni-moderation-latest", input: "I want to hug you" }).withResponse();
    expect(raw.data.results[0]!.flagged).toBe(false);
    const request = oa.requests[oa.requests.length - 1]!;
    expect(JSON.parse(request.body.toString())).toEqual({ model: "omni-moderation-latest", input: "I want to hug you" });
    expect(raw.response.headers.get("openai-processing-ms")).toBe("12");
    // providers.openai.transforms.response.headers denies x-internal.
    expect(raw.response.headers.get("x-internal")).toBeNull();
    expect(raw.response.headers.get("x-switchyard-request-id")).toMatch(/^req_/);
  });

  it("audio.speech.create: binary audio streamed back in chunks is identical", async () => {
    const response = await openai().audio.speech.create({ model: "gpt-4o-mini-tts", voice: "alloy", input: "Hello" });
    expect(response.headers.get("content-type")).toBe("audio/mpeg");
    expect(Buffer.from(await response.arrayBuffer()).equals(SPEECH)).toBe(true);
    expect(oa.requests[oa.requests.length - 1]!.url).toBe("/v1/audio/speech");
  });

  it("batches.create", async () => {
    const { result, request } = await received(oa, () => openai().batches.create({ input_file_id: "file-abc123", endpoint: "/v1/chat/completions", completion_window: "24h" }));
    expect(result.id).toBe("batch_abc123");
    expect(request.url).toBe("/v1/batches");
    expectProviderAuth(request, "authorization", `Bearer ${OPENAI_KEY}`);
  });

  it("an /openai prefix reaches the same provider", async () => {
    const { result, request } = await received(oa, () =>
      fetch(`${gw.url}/openai/v1/moderations`, { method: "POST", headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" }, body: '{"input":"x"}' }),
    );
    expect(result.status).toBe(200);
    expect(request.url).toBe("/v1/moderations");
    expect(request.body.toString()).toBe('{"input":"x"}');
  });
});

describe("Anthropic paths through the official SDK", () => {
  it("messages.batches.create and list go to the Anthropic provider with its key", async () => {
    const params = { model: "claude-sonnet-4-5", max_tokens: 16, messages: [{ role: "user" as const, content: "Hi" }] };
    const { result, request } = await received(an, () => anthropic().messages.batches.create({ requests: [{ custom_id: "one", params }] }));
    expect(result.id).toBe("msgbatch_01");
    expect(request.url).toBe("/v1/messages/batches");
    expect(JSON.parse(request.body.toString())).toEqual({ requests: [{ custom_id: "one", params }] });
    // The SDK's own version header, forwarded as it sent it.
    expect(request.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expectProviderAuth(request, "x-api-key", ANTHROPIC_KEY);
    expect(request.headers.authorization).toBeUndefined();

    const listed: string[] = [];
    for await (const batch of anthropic().messages.batches.list({ limit: 5 })) listed.push(batch.id);
    expect(listed).toEqual(["msgbatch_01"]);
    expect(an.requests[an.requests.length - 1]!.url).toBe("/v1/messages/batches?limit=5");
  });

  it("/v1/files is Anthropic's for Anthropic clients (anthropic-version) and OpenAI's for the others", async () => {
    const before = oa.requests.length;
    const { request } = await received(an, () => anthropic().beta.files.list({}, { headers: { "anthropic-beta": "files-api-2025-04-14" } }));
    expect(request.url.split("?")[0]).toBe("/v1/files");
    expect(request.headers["anthropic-beta"]).toBe("files-api-2025-04-14");
    expect(oa.requests.length).toBe(before);
  });

  it("an /anthropic prefix chooses Anthropic's provider without the header", async () => {
    const { result, request } = await received(an, () => fetch(`${gw.url}/anthropic/v1/files`, { headers: { "x-api-key": alice } }));
    expect(result.status).toBe(200);
    expect(request.url).toBe("/v1/files");
  });
});

describe("the gateway's rules", () => {
  it("no key or an unknown key: 401 in the client's format, nothing forwarded", async () => {
    const before = oa.requests.length + an.requests.length;
    const error = await openai("sk-not-a-switchyard-key").moderations.create({ input: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error.error).toMatchObject({ code: "invalid_api_key", type: "authentication_error" });
    const none = await fetch(`${gw.url}/v1/messages/batches`, { headers: { "anthropic-version": "2023-06-01" } });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    expect(oa.requests.length + an.requests.length).toBe(before);
  });

  it("a key limited to some models: 403, since pass-through cannot hold it to them", async () => {
    const before = oa.requests.length;
    const { error, record } = await logged(gw, () => openai(restricted).batches.create({ input_file_id: "f", endpoint: "/v1/chat/completions", completion_window: "24h" }));
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(error.error.code).toBe("passthrough_not_allowed");
    expect(error.error.message).toContain("gpt-4o");
    expect(oa.requests.length).toBe(before);
    expect(record).toMatchObject({ status: 403, error_code: "passthrough_not_allowed", method: "POST", path: "/v1/batches" });
  });

  it("logs method, path, status, bytes, timings and key id, never the body", async () => {
    const body = JSON.stringify({ input: "log me", model: "omni-moderation-latest" });
    const { result, record } = await logged(gw, () => fetch(`${gw.url}/v1/moderations`, { method: "POST", headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" }, body }));
    expect(result!.status).toBe(200);
    const answer = await result!.text();
    expect(record).toMatchObject({
      route: "passthrough-openai",
      api: "openai",
      method: "POST",
      path: "/v1/moderations",
      status: 200,
      request_bytes: Buffer.byteLength(body),
      response_bytes: Buffer.byteLength(answer),
      key_name: "alice",
      model: null,
      attempts: [{ provider: "openai", status: 200 }],
    });
    expect(record.key_id).toMatch(/^key_/);
    expect(record.ttfb_ms).toBeGreaterThan(0);
    expect(record.upstream_latency_ms).toBeGreaterThan(0);
    expect(record.request_body).toBeUndefined();
    expect(record.response_body).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain("log me");
  });

  it("moves switchyard_requests_total for the entry and its provider", async () => {
    const series = /switchyard_requests_total\{route="passthrough-openai",provider="openai",model="none",status_class="2xx",api="openai"\} (\d+)/;
    const scrape = async () => {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
      return Number(series.exec(text)?.[1] ?? 0);
    };
    await gw.settledLogCount();
    const before = await scrape();
    await openai().moderations.create({ input: "count me" });
    await gw.settledLogCount();
    expect(await scrape()).toBe(before + 1);
  });

  it("an entry's per-key request limit: 429 in Anthropic's format once spent", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    // anthropic-batches allows each key 5 requests a minute; this key has made none.
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${gw.url}/v1/messages/batches`, { headers: { "x-api-key": limited, "anthropic-version": "2023-06-01" } });
      statuses.push(last.status);
      if (i < 5) await last.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await last!.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });

  it("an unknown or unsafe path stays a 404 in the client's format", async () => {
    const before = oa.requests.length;
    const unknown = await fetch(`${gw.url}/v1/assistants`, { headers: { authorization: `Bearer ${alice}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error.message).toBe("no such endpoint: GET /v1/assistants");
    const dots = await fetch(`${gw.url}/v1/files/..%2F..%2Fadmin`, { headers: { authorization: `Bearer ${alice}` } });
    expect(dots.status).toBe(404);
    const anthropicUnknown = await fetch(`${gw.url}/v1/moderations`, { method: "POST", headers: { "x-api-key": alice, "anthropic-version": "2023-06-01" }, body: "{}" });
    expect(anthropicUnknown.status).toBe(404);
    expect(await anthropicUnknown.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(oa.requests.length).toBe(before);
  });

  it("a provider that cannot be reached: 502 in the client's format, logged with the failed attempt", async () => {
    const { result, record } = await logged(gw, () => fetch(`${gw.url}/v1/containers`, { method: "POST", headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" }, body: "{}" }));
    expect(result!.status).toBe(502);
    expect(((await result!.json()) as any).error).toMatchObject({ type: "api_error", code: "upstream_error" });
    expect(record).toMatchObject({ status: 502, route: "passthrough-gone", attempts: [{ provider: "gone", status: null }] });
    expect(record.attempts[0].error).toBeTruthy();
  });

  it("a path whose provider is disabled: 424 naming the variable, which the SDK does not retry", async () => {
    const before = await gw.settledLogCount();
    const started = Date.now();
    // maxRetries 2: the SDK retries 5xx; a 424 with x-should-retry: false it does not.
    const error: any = await openai(alice, 2).post("/uploads", { body: { filename: "a.jsonl", purpose: "batch", bytes: 1, mime_type: "text/jsonl" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.status).toBe(424);
    expect(error.error.message).toContain("OFFLINE_KEY");
    expect(error.error.code).toBe("provider_not_configured");
    expect(Date.now() - started).toBeLessThan(400);
    expect(await gw.settledLogCount()).toBe(before + 1);
  });
});

describe("bodies", () => {
  it("an upload larger than the chat body limit streams upstream as it arrives, byte for byte", async () => {
    const half = 512 * 1024; // each half alone is 8× the server's 64kb body limit
    const first = randomBytes(half);
    const second = randomBytes(half);
    const before = oa.requests.length;
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(first);
        // The rest is only sent once the provider has the first half: a gateway that buffered the whole
        // body before forwarding would wait here for ever (and the test time out).
        const deadline = Date.now() + 10_000;
        while (oa.inflightBytes() < half) {
          if (Date.now() > deadline) return controller.error(new Error("the provider never saw the first half before the upload ended"));
          await new Promise((r) => setTimeout(r, 10));
        }
        controller.enqueue(second);
        controller.close();
      },
    });
    const res = await fetch(`${gw.url}/v1/files`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "application/octet-stream" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { bytes: number }).bytes).toBe(2 * half);
    const request = oa.requests[before]!;
    expect(request.body.equals(Buffer.concat([first, second]))).toBe(true);
  });

  it("a download reaches the client as the provider sends it, not once it has ended", async () => {
    const response = await openai().files.content("file-slow");
    const reader = response.body!.getReader();
    // The provider holds back all but its first KiB until the client has it: a gateway that waited for the
    // whole response would never deliver it (and the test time out).
    let got = Buffer.alloc(0);
    while (got.length < 1024) {
      const { value, done } = await reader.read();
      if (done) break;
      got = Buffer.concat([got, value]);
    }
    expect(got.subarray(0, 1024).equals(FILE_CONTENT.subarray(0, 1024))).toBe(true);
    releaseSlow();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got = Buffer.concat([got, value]);
    }
    expect(got.equals(FILE_CONTENT)).toBe(true);
  });

  it("a client that goes away mid-download ends the upstream request and is logged as 499", async () => {
    const { record } = await logged(gw, async () => {
      const controller = new AbortController();
      const response = await fetch(`${gw.url}/v1/files/file-endless/content`, { headers: { authorization: `Bearer ${alice}` }, signal: controller.signal });
      const reader = response.body!.getReader();
      let read = 0;
      while (read < 256 * 1024) read += (await reader.read()).value!.length;
      controller.abort();
    });
    expect(record).toMatchObject({ status: 499, method: "GET", path: "/v1/files/file-endless/content" });
    expect(record.response_bytes).toBeGreaterThanOrEqual(256 * 1024);
    // The provider's side was closed too (the mock would otherwise write for ever).
    await endlessEnded;
  });

  it("a body over the entry's body_limit: 413 up front when declared, mid-stream when not", async () => {
    const before = oa.requests.length;
    const declared = await fetch(`${gw.url}/v1/files`, { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: Buffer.alloc(9 * 1024 * 1024) });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as any).error.message).toContain("8388608");
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const streamed = await fetch(`${gw.url}/v1/files`, { method: "POST", headers: { authorization: `Bearer ${alice}` }, body: stream, duplex: "half" } as RequestInit).catch((e) => e);
    // The gateway answers 413 as soon as the limit passes; the client may still be sending and see the cut instead.
    if (streamed instanceof Response) expect(streamed.status).toBe(413);
    expect(oa.requests.length).toBe(before);
  });
});
