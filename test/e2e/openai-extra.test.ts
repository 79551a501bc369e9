// POST /v1/embeddings and /v1/completions walk their route's targets like chat does (runtime/attempts/target-walk.ts):
// retries on the same target, breaker skips, rate limits in the OpenAI format; a route whose every breaker
// is open answers 503 with Retry-After; count_tokens skips an open breaker but never counts as a failure
// nor against rate limits. test/e2e/openai-extra.routes.yaml is compiled and run as its own process behind
// loopback mocks, driven by the official SDKs with their own retries off.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway, logged } from "../support/gateway.ts";
import { startMockUpstream, type Behaviour, type MockUpstream } from "../support/mock-upstream.ts";

let flaky: MockUpstream;
let down: MockUpstream;
let backup: MockUpstream;
let anDown: MockUpstream;
let anBackup: MockUpstream;
let gw: RunningGateway;
let openai: OpenAI;

const EMBEDDING = { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.25, -0.5, 1] }], model: "m", usage: { prompt_tokens: 3, total_tokens: 3 } };
const COMPLETION = {
  id: "cmpl-1",
  object: "text_completion",
  created: 1,
  model: "m",
  choices: [{ text: " world", index: 0, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
};
const json = (body: object): Behaviour => ({ kind: "raw", status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  [flaky, down, backup, anDown, anBackup] = await Promise.all([
    startMockUpstream({ api: "openai" }),
    startMockUpstream({ api: "openai", default: { kind: "error", status: 503 } }),
    startMockUpstream({ api: "openai", default: json(EMBEDDING) }),
    startMockUpstream({ api: "anthropic", default: { kind: "error", status: 503 } }),
    startMockUpstream({ api: "anthropic" }),
  ]);
  const { bundle } = await buildCase("openai-extra", "test/e2e/openai-extra.routes.yaml");
  gw = await startGateway(bundle, {
    KEY: "sk-upstream-0123456789abcdefghij",
    FLAKY_URL: flaky.url,
    DOWN_URL: down.url,
    BACKUP_URL: backup.url,
    AN_DOWN_URL: anDown.url,
    AN_BACKUP_URL: anBackup.url,
  });
  openai = new OpenAI({ apiKey: "client-key", baseURL: `${gw.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([flaky, down, backup, anDown, anBackup].map((m) => m?.close()));
});


async function breakerOf(route: string, target: string): Promise<Record<string, any>> {
  const body = (await (await fetch(`${gw.url}/health`)).json()) as { targets: Array<Record<string, any>> };
  const found = body.targets.find((t) => t.route === route && t.target === target);
  expect(found, `${route} ${target} in /health`).toBeDefined();
  return found!;
}

const embed = (model: string, client = openai) => () => client.embeddings.create({ model, input: "hello", encoding_format: "float" });

describe("retries", () => {
  it("embeddings: a 503 is retried on the same target, which then answers", async () => {
    const seen = { flaky: flaky.requests.length, backup: backup.requests.length };
    flaky.script({ kind: "error", status: 503 }, json(EMBEDDING));
    const { result, record } = await logged(gw, embed("embed-retry"));
    expect(result!.data[0]!.embedding).toEqual([0.25, -0.5, 1]);
    expect(flaky.requests.length - seen.flaky).toBe(2);
    expect(flaky.requests.at(-1)!.path).toBe("/v1/embeddings");
    expect(backup.requests.length).toBe(seen.backup);
    expect(record.attempts.map((a: any) => [a.provider, a.status, a.retry])).toEqual([
      ["flaky", 503, undefined],
      ["flaky", 200, 1],
    ]);
    expect(record.attempts[1].backoff_ms).toBeLessThan(20);
    expect(record).toMatchObject({ path: "/v1/embeddings", route: "embed-retry", status: 200, usage: { total_tokens: 3 } });
  });

  it("completions: a 503 is retried on the same target, which then answers", async () => {
    flaky.script({ kind: "error", status: 503 }, json(COMPLETION));
    const { result, record } = await logged(gw, () => openai.completions.create({ model: "instruct-retry", prompt: "hello" }));
    expect(result!.choices[0]!.text).toBe(" world");
    expect(flaky.requests.at(-1)!.path).toBe("/v1/completions");
    expect(record.attempts.map((a: any) => [a.provider, a.status, a.retry])).toEqual([
      ["flaky", 503, undefined],
      ["flaky", 200, 1],
    ]);
    expect(record).toMatchObject({ path: "/v1/completions", status: 200, usage: { total_tokens: 2 } });
  });

  it("falls back once max_attempts tries failed, and says why the last was not retried", async () => {
    flaky.script({ kind: "error", status: 500 }, { kind: "error", status: 502 });
    const { result, record } = await logged(gw, embed("embed-retry"));
    expect(result!.data).toHaveLength(1);
    expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
      ["flaky", 500],
      ["flaky", 502],
      ["backup", 200],
    ]);
    expect(record.attempts[1].no_retry).toBe("max attempts (2)");
  });
});

describe("circuit breaker", () => {
  it("embeddings open the target's breaker, and then skip it at once", async () => {
    for (let i = 0; i < 2; i++) {
      const { record } = await logged(gw, embed("embed-breaker"));
      expect(record.attempts.map((a: any) => [a.provider, a.status])).toEqual([
        ["down", 503],
        ["backup", 200],
      ]);
    }
    expect(await breakerOf("embed-breaker", "down:embed-breaker")).toMatchObject({ state: "open", failures: 2 });
    const seen = down.requests.length;
    const { result, record } = await logged(gw, embed("embed-breaker"));
    expect(result!.data).toHaveLength(1);
    expect(down.requests.length).toBe(seen);
    expect(record.attempts[0]).toMatchObject({ provider: "down", status: null, latency_ms: 0, skipped: "circuit open" });
    expect(record.attempts[1]).toMatchObject({ provider: "backup", status: 200 });
  });

  it("a route whose every breaker is open answers 503 with Retry-After, chat and embeddings alike", async () => {
    const first = await logged(gw, () => openai.chat.completions.create({ model: "all-open", messages: [{ role: "user", content: "hi" }] }));
    expect(first.error).toBeInstanceOf(OpenAI.APIError);
    expect(first.error.status).toBe(502);
    expect(await breakerOf("all-open", "down:all-open")).toMatchObject({ state: "open" });

    const seen = down.requests.length;
    const chat = await logged(gw, () => openai.chat.completions.create({ model: "all-open", messages: [{ role: "user", content: "hi" }] }));
    expect(chat.error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(chat.error.status).toBe(503);
    expect(chat.error.code).toBe("all_targets_failed");
    const retryAfter = Number(chat.error.headers.get("retry-after"));
    // open_ms is 20 s, less the moments since it opened.
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(chat.record).toMatchObject({ status: 503, attempts: [{ provider: "down", skipped: "circuit open" }] });

    // The same route's embeddings share its breaker.
    const embeddings = await logged(gw, embed("all-open"));
    expect(embeddings.error.status).toBe(503);
    expect(Number(embeddings.error.headers.get("retry-after"))).toBeGreaterThanOrEqual(15);
    expect(down.requests.length).toBe(seen);
  });
});

describe("rate limits", () => {
  it("embeddings: requests per minute, then a RateLimitError in the OpenAI format before any upstream is asked", async () => {
    const client = new OpenAI({ apiKey: "sk-client-embed-limited", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const { response } = await embed("embed-limited", client)().withResponse();
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("2");
      remaining.push(response.headers.get("x-ratelimit-remaining-requests"));
    }
    expect(remaining).toEqual(["1", "0"]);
    const seen = backup.requests.length;
    const { error, record } = await logged(gw, embed("embed-limited", client));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.code).toBe("rate_limit_exceeded");
    expect(error.message).toContain("per_key requests per minute (limit 2)");
    expect(Number(error.headers.get("retry-after"))).toBeGreaterThanOrEqual(25);
    expect(backup.requests.length).toBe(seen);
    expect(record).toMatchObject({ path: "/v1/embeddings", route: "embed-limited", status: 429, attempts: [] });
  });

  it("completions: the same limit", async () => {
    const client = new OpenAI({ apiKey: "sk-client-instruct-limited", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const complete = () => client.completions.create({ model: "instruct-limited", prompt: "hello" });
    backup.script(json(COMPLETION), json(COMPLETION));
    for (let i = 0; i < 2; i++) expect((await complete()).choices[0]!.text).toBe(" world");
    const error = await complete().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("tokens per minute: charged the input's estimate, settled from the usage reported", async () => {
    const client = new OpenAI({ apiKey: "sk-client-embed-metered", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    // 200 characters: about 50 tokens charged up front, 3 once the upstream's usage is settled. Without
    // settling, the third request would not fit in 100 tokens a minute.
    const ask = () => client.embeddings.create({ model: "embed-metered", input: "x".repeat(200), encoding_format: "float" }).withResponse();
    const logged = await gw.settledLogCount();
    const first = await ask();
    expect(Number(first.response.headers.get("x-ratelimit-remaining-tokens"))).toBe(50);
    // The usage is settled when the log line is written.
    await gw.waitForLogRecords(logged + 1);
    for (let i = 0; i < 2; i++) await ask();
    // A token-id array counts one token per id: 120 do not fit.
    const error = await client.embeddings.create({ model: "embed-metered", input: Array.from({ length: 120 }, () => 1), encoding_format: "float" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as Error).message).toContain("per_key tokens per minute (limit 100)");
  });
});

describe("count_tokens", () => {
  it("never counts as a failure nor against rate limits, and skips a target whose breaker is open", async () => {
    const anthropic = new Anthropic({ apiKey: "sk-client-count", baseURL: gw.url, maxRetries: 0 });
    const count = () => anthropic.messages.countTokens({ model: "claude-count", messages: [{ role: "user", content: "x".repeat(40) }] });
    // an-down answers 503: estimated here; the breaker (failures: 1) stays closed, and the one request a
    // minute the route allows is not spent.
    for (let i = 0; i < 3; i++) expect((await count()).input_tokens).toBe(11);
    expect(anDown.requests.filter((r) => r.path === "/v1/messages/count_tokens")).toHaveLength(3);
    expect(await breakerOf("claude-count", "an-down:claude-count")).toMatchObject({ state: "closed", failures: 0 });

    // A messages request opens it (an-backup answers).
    const message = await anthropic.messages.create({ model: "claude-count", max_tokens: 16, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text" });
    expect(await breakerOf("claude-count", "an-down:claude-count")).toMatchObject({ state: "open" });

    const seen = anDown.requests.length;
    anBackup.script(json({ input_tokens: 42 }));
    const { result, record } = await logged(gw, count);
    expect(result!.input_tokens).toBe(42);
    expect(anDown.requests.length).toBe(seen);
    expect(anBackup.requests.at(-1)!.path).toBe("/v1/messages/count_tokens");
    expect(record).toMatchObject({ path: "/v1/messages/count_tokens", status: 200, attempts: [{ provider: "an-down", skipped: "circuit open" }] });
  });
});
