// End to end: header and body transforms and bring-your-own-key. test/e2e/transforms.routes.yaml is compiled
// into a bundle that runs as its own process; the official SDKs call it, and the loopback mocks record what
// each provider received. Every assertion is about bytes on the wire: the upstream's request, the client's
// response (whole and streamed).
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, runToExit, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream, type RecordedRequest } from "../support/mock-upstream.ts";

const KEYS = {
  OA_KEY: "sk-oa-provider-0123456789abcdefghij",
  OA_CLEAN_KEY: "sk-oa-clean-0123456789abcdefghijk",
  AN_KEY: "sk-ant-provider-0123456789abcdef",
};
const CLIENT_KEY = "client-own-key-0123456789";
const TENANT = "tenant-42";
const SECRET = "sk-abcdefghijklmnopqrstuvwxyz0123";

let bundle: string;
let oa: MockUpstream;
let an: MockUpstream;
let gw: RunningGateway;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" })]);
  ({ bundle } = await buildCase("transforms", "test/e2e/transforms.routes.yaml"));
  gw = await startGateway(bundle, { ...KEYS, TENANT, OA_URL: oa.url, AN_URL: an.url });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: CLIENT_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: CLIENT_KEY, maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa, an].map((m) => m?.close()));
});

/** The request the mock receives next, after `action` has run. */
async function received(mock: MockUpstream, action: () => Promise<unknown>): Promise<RecordedRequest> {
  const before = mock.requests.length;
  await action();
  await mock.waitForRequests(before + 1);
  return mock.requests[before]!;
}

const clientHeaders = { "x-team": "red", "x-debug": "1", "x-other": "o" };
const messages = [
  { role: "system" as const, content: "internal instructions" },
  { role: "user" as const, content: `my key is ${SECRET} and password: hunter2` },
];

describe("request transforms", () => {
  it("filters, sets and adds headers, and rewrites the body, on a route with provider and route rules", async () => {
    const upstream = await received(oa, () =>
      openai.chat.completions.create({ model: "gpt-xform", messages, temperature: 0.7, metadata: { a: "b" } }, { headers: clientHeaders }),
    );
    const h = upstream.headers;
    // allowlist: only x-team of the client's own headers; add does not override what the client sent.
    expect(h["x-team"]).toBe("red");
    expect(h["x-other"]).toBeUndefined();
    expect(h["x-debug"]).toBeUndefined();
    expect(h["user-agent"]).toBeUndefined();
    expect(Object.keys(h).filter((n) => n.startsWith("x-stainless"))).toEqual([]);
    // provider set, route add from ${TENANT}, provider key.
    expect(h["x-gateway"]).toBe("switchyard");
    expect(h["x-tenant"]).toBe(TENANT);
    expect(h.authorization).toBe(`Bearer ${KEYS.OA_KEY}`);
    expect(JSON.stringify(h)).not.toContain(CLIENT_KEY);

    const body = upstream.json;
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.metadata).toBeUndefined(); // provider rule
    expect(body.messages).toEqual([{ role: "user", content: "my key is sk-*** and password: ***" }]);
    expect(body.temperature).toBe(0);
    expect(body.user).toBe("switchyard");
    expect(upstream.body).not.toContain(SECRET);
  });

  it("add leaves a header and a body field the client sent alone", async () => {
    const upstream = await received(oa, () =>
      openai.chat.completions.create({ model: "gpt-xform", messages, user: "alice" }, { headers: { "x-tenant": "mine" } }),
    );
    // x-tenant is not in the allowlist, so the client's is dropped and the route's added.
    expect(upstream.headers["x-tenant"]).toBe(TENANT);
    expect(upstream.headers["x-team"]).toBe("blue");
    expect(upstream.json.user).toBe("alice");
  });

  it("applies the provider's rules to every route on it", async () => {
    const upstream = await received(oa, () =>
      openai.chat.completions.create({ model: "gpt-provider-rules", messages, metadata: { a: "b" } }, { headers: clientHeaders }),
    );
    expect(upstream.headers["x-other"]).toBe("o"); // passthrough
    expect(upstream.headers["x-debug"]).toBeUndefined();
    expect(upstream.headers["x-gateway"]).toBe("switchyard");
    expect(upstream.json.metadata).toBeUndefined();
    expect(upstream.json.messages).toEqual(messages);
  });

  it("leaves a route without transforms as a byte splice, without the client's key", async () => {
    const sent = '{"messages":[{"role":"user","content":"hi"}],\n  "model" : "gpt-clean", "metadata": {"a": "b"}, "temperature": 0.50}';
    const upstream = await received(oa, () =>
      fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${CLIENT_KEY}`, "x-debug": "1" }, body: sent }),
    );
    expect(upstream.body).toBe(sent.replace('"model" : "gpt-clean"', '"model" : "gpt-4o-mini"'));
    expect(upstream.headers.authorization).toBe(`Bearer ${KEYS.OA_CLEAN_KEY}`);
    expect(upstream.headers["x-debug"]).toBe("1");
    expect(upstream.headers["x-gateway"]).toBeUndefined();
  });
});

describe("bring-your-own-key", () => {
  it("forwards an OpenAI client's key as the provider's bearer token", async () => {
    const upstream = await received(oa, () => openai.chat.completions.create({ model: "gpt-byok", messages }));
    expect(upstream.headers.authorization).toBe(`Bearer ${CLIENT_KEY}`);
    expect(JSON.stringify(upstream.headers)).not.toContain(KEYS.OA_CLEAN_KEY);
  });

  it("falls back to the provider's key when the client presents none", async () => {
    const upstream = await received(oa, () =>
      fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "gpt-byok", messages }) }),
    );
    expect(upstream.headers.authorization).toBe(`Bearer ${KEYS.OA_CLEAN_KEY}`);
  });

  it("forwards an Anthropic client's key in x-api-key", async () => {
    const upstream = await received(an, () => anthropic.messages.create({ model: "claude-byok", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }));
    expect(upstream.headers["x-api-key"]).toBe(CLIENT_KEY);
    expect(upstream.headers.authorization).toBeUndefined();
  });

  it("forwards the client's key on count_tokens too (Claude Code counts every turn)", async () => {
    an.script({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: '{"input_tokens":7}' });
    let count = 0;
    const upstream = await received(an, async () => {
      count = (await anthropic.messages.countTokens({ model: "claude-byok", messages: [{ role: "user", content: "hi" }] })).input_tokens;
    });
    expect(upstream.path).toBe("/v1/messages/count_tokens");
    expect(upstream.headers["x-api-key"]).toBe(CLIENT_KEY);
    expect(count).toBe(7);
  });
});

describe("response transforms", () => {
  it("rewrites a whole JSON body and the relayed headers", async () => {
    oa.script({ kind: "reply", text: "see internal-123 now" });
    const { data, response } = await openai.chat.completions.create({ model: "gpt-xform", messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe("see [redacted] now");
    expect(data.system_fingerprint).toBeUndefined();
    expect(data.usage?.prompt_tokens).toBe(11);
    expect(response.headers.get("x-request-id")).toBeNull();
    expect(response.headers.get("x-served-by")).toBe("switchyard");
    expect(response.headers.get("x-switchyard-request-id")).toMatch(/^req_/);
  });

  it("rewrites a streamed response event by event", async () => {
    oa.script({ kind: "reply", text: "see internal-123 now" });
    const { data: stream, response } = await openai.chat.completions
      .create({ model: "gpt-xform", messages, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let fingerprints = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.system_fingerprint !== undefined) fingerprints++;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("see [redacted] now");
    expect(fingerprints).toBe(0);
    expect(usage?.completion_tokens).toBe(7);
    expect(response.headers.get("x-served-by")).toBe("switchyard");
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  });

  it("passes a route's responses through untouched when it has no response rules", async () => {
    oa.script({ kind: "reply", text: "see internal-123 now" });
    const { data, response } = await openai.chat.completions.create({ model: "gpt-provider-rules", messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe("see internal-123 now");
    expect(response.headers.get("x-request-id")).not.toBeNull();
  });
});

describe("translated targets", () => {
  it("applies request rules to the translated body and response rules on the client's side", async () => {
    an.script({ kind: "reply", text: "see internal-9 now" });
    let result: Awaited<ReturnType<typeof openai.chat.completions.create>> | undefined;
    let headers: Headers | undefined;
    const upstream = await received(an, async () => {
      const { data, response } = await openai.chat.completions.create({ model: "claude-xlate", messages }).withResponse();
      result = data;
      headers = response.headers;
    });
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.json.metadata).toEqual({ user_id: "gw-user" });
    expect(upstream.headers["x-api-key"]).toBe(KEYS.AN_KEY);
    expect((result as OpenAI.ChatCompletion).choices[0]!.message.content).toBe("see [redacted] now");
    expect(headers!.get("x-translated")).toBe("yes");
  });

  it("rewrites a translated stream event by event", async () => {
    an.script({ kind: "reply", text: "see internal-9 now" });
    const stream = await openai.chat.completions.create({ model: "claude-xlate", messages, stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("see [redacted] now");
  });
});

describe("start-up", () => {
  it("resolves ${VAR} in header values at start: a missing one stops the gateway, naming the route", async () => {
    const result = await runToExit(bundle, { ...KEYS, OA_URL: oa.url, AN_URL: an.url });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("environment variable TENANT is not set (needed by route gpt-xform");
  });
});
