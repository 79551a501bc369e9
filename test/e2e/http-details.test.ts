// The HTTP details real clients trip on (issue 12, item 4), end to end through the running bundle of
// test/e2e/http-details.routes.yaml, each with the client that tripped on it: Node's `http` for HEAD (as
// Claude Code sends it), the official SDKs with their own retries on for a route nothing is configured for,
// @anthropic-ai/sdk's final message for token counts, both SDKs for streams that break after they started,
// and GET /v1/models for what a glob route serves.
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, logMessages, startGateway, type RunningGateway, logged } from "../support/gateway.ts";
import { refusedPort, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { startMockGemini, type MockGemini } from "../support/mock-gemini.ts";
import { startMockOllama, type MockOllama } from "../support/mock-ollama.ts";

const KEY = "sk-upstream-0123456789abcdefghij";
const LAB_KEY = "sk-lab-0123456789abcdefghijklmn";
const ADMIN_KEY = "sk-admin-0123456789abcdefghijkl";
const hello = [{ role: "user" as const, content: "hi" }];

let oa: MockUpstream;
let an: MockUpstream;
let gemini: MockGemini;
let ollama: MockOllama;
let broken: BrokenServer;
let lab: LabServer;
let bundle: string;
let gw: RunningGateway;
/** A key without a model policy: every SDK request uses it. */
let clientKey: string;

// ---------------------------------------------------------------------------------------------------------
// Loopback upstreams this file needs beyond the shared mocks.

interface BrokenServer {
  url: string;
  requests: number;
  close(): Promise<void>;
}

/**
 * An OpenAI-format upstream that starts a valid chunked SSE stream (the role chunk and one content chunk),
 * then sends a chunk size that is not hex: data the gateway cannot read, after the relay began.
 */
async function startBrokenServer(): Promise<BrokenServer> {
  const sockets = new Set<net.Socket>();
  const chunk = (data: object) => {
    const text = `data: ${JSON.stringify(data)}\n\n`;
    return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  };
  const frame = (delta: object) => chunk({ id: "chatcmpl-broken", object: "chat.completion.chunk", created: 1, model: "broken-hd", choices: [{ index: 0, delta, finish_reason: null }] });
  const state: BrokenServer = { url: "", requests: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let head = "";
    socket.on("data", (data) => {
      if (head.includes("\r\n\r\n")) return;
      head += data.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      state.requests++;
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n");
      socket.write(frame({ role: "assistant", content: "" }) + frame({ content: "partial " }));
      // Later, so the first events have been relayed before the framing breaks.
      setTimeout(() => socket.write("zz-not-a-chunk-size\r\n\r\n"), 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

interface LabServer {
  url: string;
  /** Every GET /v1/models, with its authorization header. */
  listings: string[];
  close(): Promise<void>;
}

/** An OpenAI-compatible server whose model list has two names the glob `lab-*` matches and one it does not. */
async function startLabServer(): Promise<LabServer> {
  const listings: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      listings.push(req.headers.authorization ?? "");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ object: "list", data: ["lab-beta", "other-model", "lab-alpha"].map((id) => ({ id, object: "model", created: 0, owned_by: "lab" })) }));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    listings,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ---------------------------------------------------------------------------------------------------------

async function createKey(gateway: RunningGateway, body: object): Promise<string> {
  const res = await fetch(`${gateway.url}/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

function gatewayEnv(labUrl: string): Record<string, string> {
  return {
    KEY,
    LAB_KEY,
    OA_URL: oa.url,
    AN_URL: an.url,
    GEMINI_URL: gemini.url,
    OLLAMA_URL: ollama.url,
    RAW_URL: broken.url,
    LAB_URL: labUrl,
    SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
  };
}

beforeAll(async () => {
  [oa, an, gemini, ollama, broken, lab] = await Promise.all([
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "anthropic" }),
    startMockGemini(),
    startMockOllama(),
    startBrokenServer(),
    startLabServer(),
  ]);
  ({ bundle } = await buildCase("http-details", "test/e2e/http-details.routes.yaml"));
  gw = await startGateway(bundle, gatewayEnv(lab.url));
  clientKey = await createKey(gw, { name: "everything" });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa, an, gemini, ollama, broken, lab].map((server) => server?.close()));
});

/** The official clients pointed at the gateway; `retries` left at the SDKs' default unless given. */
function openaiClient(options: { maxRetries?: number; fetch?: typeof fetch } = {}): OpenAI {
  return new OpenAI({ apiKey: clientKey, baseURL: `${gw.url}/v1`, ...options });
}
function anthropicClient(options: { maxRetries?: number; fetch?: typeof fetch } = {}): Anthropic {
  return new Anthropic({ apiKey: clientKey, baseURL: gw.url, ...options });
}


// ---------------------------------------------------------------------------------------------------------

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with Node's http client on a shared keep-alive agent, as Claude Code's HEAD / probes go. */
function nodeRequest(agent: http.Agent, method: string, path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.url}${path}`, { method, agent, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Every byte the server sends for one HEAD request on a fresh socket, until it goes quiet. */
function rawHead(path: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(gw.port, "127.0.0.1", () => {
      const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
      socket.write(`HEAD ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${extra}\r\n`);
    });
    let received = "";
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (d) => {
      received += d.toString("latin1");
      clearTimeout(timer);
      timer = setTimeout(() => {
        socket.destroy();
        resolve(received);
      }, 150);
    });
    socket.on("error", reject);
  });
}

describe("HEAD is answered like GET, without a body", () => {
  it("HEAD / twice then GET / on one keep-alive socket, as Claude Code starts: 200, no body, the GET's length", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await nodeRequest(agent, "HEAD", "/");
      const second = await nodeRequest(agent, "HEAD", "/");
      const get = await nodeRequest(agent, "GET", "/");
      for (const head of [first, second]) {
        expect(head.status).toBe(200);
        expect(head.body).toBe("");
        expect(head.headers["content-type"]).toBe("application/json");
        expect(Number(head.headers["content-length"])).toBe(Buffer.byteLength(get.body));
      }
      expect(get.status).toBe(200);
      expect(JSON.parse(get.body)).toEqual({ service: "switchyard", env: "dev", health: "/health", models: "/v1/models" });
    } finally {
      agent.destroy();
    }
  });

  it.each([
    ["/", {}, "200 OK"],
    ["/health", {}, "200 OK"],
    ["/v1/models", { authorization: "Bearer KEY" }, "200 OK"],
    ["/v1/models", {}, "401 Unauthorized"],
    ["/no/such/path", {}, "404 Not Found"],
    ["/v1/chat/completions", {}, "405 Method Not Allowed"],
  ])("HEAD %s %j: %s with headers only on the wire", async (path, headers, statusLine) => {
    const withKey = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value.replace("KEY", clientKey)]));
    const raw = await rawHead(path, withKey);
    const [head, rest] = [raw.slice(0, raw.indexOf("\r\n\r\n")), raw.slice(raw.indexOf("\r\n\r\n") + 4)];
    expect(head.split("\r\n")[0]).toBe(`HTTP/1.1 ${statusLine}`);
    expect(rest).toBe("");
    // The length of the body a GET would have carried (a 404 or 405 names the method it was asked with).
    const get = await fetch(`${gw.url}${path}`, { headers: withKey });
    const body = (await get.text()).replace(": GET ", ": HEAD ").replace("GET is not allowed", "HEAD is not allowed");
    expect(Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1])).toBe(Buffer.byteLength(body));
  });
});

describe("a route whose providers are all disabled by configuration", () => {
  /** A fetch that counts the requests the SDK makes, retries included. */
  function countingFetch(): { fetch: typeof fetch; calls: () => number } {
    let calls = 0;
    return {
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
      calls: () => calls,
    };
  }

  it("the openai SDK (2 retries by default) gets one 424 naming the unset variables, and does not retry", async () => {
    const counter = countingFetch();
    const started = performance.now();
    const { error, record } = await logged(gw, () => openaiClient({ fetch: counter.fetch }).chat.completions.create({ model: "unconfigured", messages: hello }));
    expect(counter.calls()).toBe(1);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(424);
    expect(apiError.code).toBe("provider_not_configured");
    expect(apiError.message).toContain("HD_UNSET_OPENAI_KEY");
    expect(apiError.message).toContain("HD_UNSET_ANTHROPIC_KEY");
    expect(apiError.headers?.get("x-should-retry")).toBe("false");
    expect(record.status).toBe(424);
    expect(record.attempts.map((a: any) => a.provider)).toEqual(["unset-a", "unset-b"]);
  });

  it("the Anthropic SDK gets one 424 api_error naming the variables, and does not retry", async () => {
    const counter = countingFetch();
    const error = await anthropicClient({ fetch: counter.fetch })
      .messages.create({ model: "unconfigured", max_tokens: 20, messages: hello })
      .catch((e: unknown) => e);
    expect(counter.calls()).toBe(1);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(424);
    expect((apiError.error as any).error.type).toBe("api_error");
    expect(apiError.message).toContain("set HD_UNSET_OPENAI_KEY");
    expect(apiError.message).toContain("set HD_UNSET_ANTHROPIC_KEY");
  });
});

describe("token counts at the end of a translated Anthropic stream are the upstream's", () => {
  it("OpenAI upstream: the final message has its input, cache-read and output tokens", async () => {
    oa.script({ kind: "reply", usage: { input: 40, output: 9, cacheRead: 15 } });
    const message = await anthropicClient({ maxRetries: 0 }).messages.stream({ model: "gpt-hd", max_tokens: 50, messages: hello }).finalMessage();
    // OpenAI's prompt_tokens include cached ones; Anthropic's input_tokens do not.
    expect(message.usage).toMatchObject({ input_tokens: 25, cache_read_input_tokens: 15, output_tokens: 9 });
  });

  it("Gemini upstream (Anthropic → OpenAI → Gemini): the final message has Gemini's counts", async () => {
    gemini.script({ kind: "reply", usage: { prompt: 30, candidates: 6, cached: 10 } });
    const message = await anthropicClient({ maxRetries: 0 }).messages.stream({ model: "gemini-hd", max_tokens: 50, messages: hello }).finalMessage();
    expect(message.usage).toMatchObject({ input_tokens: 20, cache_read_input_tokens: 10, output_tokens: 6 });
  });

  it("Ollama upstream (Anthropic → OpenAI → Ollama): the final message has Ollama's counts", async () => {
    ollama.script({ kind: "reply", usage: { input: 33, output: 4 } });
    const message = await anthropicClient({ maxRetries: 0 }).messages.stream({ model: "ollama-hd", max_tokens: 50, messages: hello }).finalMessage();
    expect(message.usage).toMatchObject({ input_tokens: 33, cache_read_input_tokens: 0, output_tokens: 4 });
  });
});

describe("a stream that breaks after it started ends with an error event in the client's format", () => {
  async function openaiStream(model: string): Promise<{ chunks: number; error: unknown; record: Record<string, any> }> {
    let chunks = 0;
    const { error, record } = await logged(gw, async () => {
      const stream = await openaiClient({ maxRetries: 0 }).chat.completions.create({ model, messages: hello, stream: true });
      for await (const _ of stream) chunks++;
    });
    return { chunks, error, record };
  }

  async function anthropicStream(model: string): Promise<{ events: number; error: unknown; record: Record<string, any> }> {
    let events = 0;
    const { error, record } = await logged(gw, async () => {
      const stream = anthropicClient({ maxRetries: 0 }).messages.stream({ model, max_tokens: 50, messages: hello });
      for await (const _ of stream) events++;
    });
    return { events, error, record };
  }

  it("pass-through OpenAI stream reset by the upstream: the openai SDK raises the error chunk", async () => {
    oa.script({ kind: "reset", afterEvents: 2 });
    const { chunks, error, record } = await openaiStream("gpt-hd");
    expect(chunks).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("upstream connection reset after the response started");
    expect(record.error).toBe("upstream stream broke: connection reset");
  });

  it("pass-through Anthropic stream reset by the upstream: the Anthropic SDK raises the error event", async () => {
    an.script({ kind: "reset", afterEvents: 3 });
    const { events, error, record } = await anthropicStream("claude-hd");
    expect(events).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain('"type":"api_error"');
    expect((error as Error).message).toContain("upstream connection reset after the response started");
    expect(record.error).toBe("upstream stream broke: connection reset");
  });

  it("translated stream (Anthropic client, OpenAI upstream) reset: an Anthropic error event", async () => {
    oa.script({ kind: "reset", afterEvents: 2 });
    const { events, error, record } = await anthropicStream("gpt-hd");
    expect(events).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("upstream connection reset after the response started");
    expect(record.error).toBe("upstream stream broke: connection reset");
  });

  it("translated stream (OpenAI client, Anthropic upstream) reset: an OpenAI error chunk", async () => {
    an.script({ kind: "reset", afterEvents: 3 });
    const { chunks, error, record } = await openaiStream("claude-hd");
    expect(chunks).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("upstream connection reset after the response started");
    expect(record.error).toBe("upstream stream broke: connection reset");
  });

  it("invalid data mid-stream (a broken chunk size), pass-through: an OpenAI error chunk, logged as a break", async () => {
    const { chunks, error, record } = await openaiStream("broken-hd");
    expect(chunks).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("after the response started");
    expect(record.error).toMatch(/^upstream stream broke: /);
  });

  it("invalid data mid-stream, translated for an Anthropic client: an Anthropic error event", async () => {
    const { events, error, record } = await anthropicStream("broken-hd");
    expect(events).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("after the response started");
    expect(record.error).toMatch(/^upstream stream broke: /);
  });
});

describe("GET /v1/models lists what a glob route serves", () => {
  async function listed(gateway: RunningGateway, key: string, headers: Record<string, string> = {}): Promise<string[]> {
    const res = await fetch(`${gateway.url}/v1/models`, { headers: { authorization: `Bearer ${key}`, ...headers } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Array<{ id: string }> }).data.map((m) => m.id);
  }

  /** The listing once the provider's list was read (it is fetched in the background at start). */
  async function listedOnce(predicate: (ids: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const ids = await listed(gw, clientKey);
      if (predicate(ids) || Date.now() > deadline) return ids;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("the provider's own models matching lab-*, its declared example, and the exact names, for the openai SDK", async () => {
    const ids = await listedOnce((ids) => ids.includes("lab-alpha"));
    expect(ids).toEqual(expect.arrayContaining(["gpt-hd", "claude-hd", "lab-example", "lab-alpha", "lab-beta"]));
    expect(ids).not.toContain("other-model");
    // Both of its providers have empty keys, so every request for it would be skipped: not listed.
    expect(ids).not.toContain("unconfigured");
    // Read with the provider's own key, once: listings are served from the cache.
    const page = await openaiClient({ maxRetries: 0 }).models.list();
    expect(page.data.map((m) => m.id)).toEqual(ids);
    expect(lab.listings).toEqual([`Bearer ${LAB_KEY}`]);
  });

  it("each API lists what its own router serves: lab-* is an OpenAI route", async () => {
    await listedOnce((ids) => ids.includes("lab-alpha"));
    const anthropicIds = (await anthropicClient({ maxRetries: 0 }).models.list()).data.map((m) => m.id);
    expect(anthropicIds).toEqual(expect.arrayContaining(["gpt-hd", "claude-hd", "gemini-hd"]));
    expect(anthropicIds).not.toContain("lab-alpha");
    expect(anthropicIds).not.toContain("lab-example");
  });

  it("a key's model policy still filters the list", async () => {
    await listedOnce((ids) => ids.includes("lab-alpha"));
    const narrow = await createKey(gw, { name: "lab-a-only", models: ["lab-a*", "gpt-hd"] });
    expect(await listed(gw, narrow)).toEqual(["gpt-hd", "lab-alpha"]);
  });

  it("a provider that is down never fails the listing: the exact names and examples are still there", async () => {
    const down = await startGateway(bundle, gatewayEnv(`http://127.0.0.1:${await refusedPort()}`));
    try {
      const key = await createKey(down, { name: "down" });
      // The failed read is logged once; the listing answers at once either way.
      const deadline = Date.now() + 5000;
      while (!logMessages(down.output()).includes("cannot read its model list") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(logMessages(down.output())).toContain("provider lab: cannot read its model list for /v1/models");
      const ids = await listed(down, key);
      expect(ids).toEqual(expect.arrayContaining(["gpt-hd", "lab-example"]));
      expect(ids).not.toContain("lab-alpha");
    } finally {
      await down.stop();
    }
  });
});
