// Rate limits through the built bundle and the official SDKs: exact allowances, 429s in each client's
// format with Retry-After and x-ratelimit-* headers, tokens settled from the upstream's usage, two gateway
// processes sharing one limit through a real redis-server, and Redis dying mid-test without a failed request.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, runToExit, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";

const UPSTREAM_KEY = "sk-upstream-ratelimit-aaaaaaaa";
let bundle: string;
let oa: MockUpstream;
let an: MockUpstream;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" })]);
  ({ bundle } = await buildCase("rate-limits", "test/e2e/rate-limits.routes.yaml"));
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all([oa?.close(), an?.close()]);
});

async function gateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const gw = await startGateway(bundle, { OA_URL: oa.url, AN_URL: an.url, UPSTREAM_KEY, ...env });
  gateways.push(gw);
  return gw;
}

const messages = [{ role: "user" as const, content: "hi" }];

function openai(gw: RunningGateway, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
}

/** Status of one plain chat request with `key` (no Authorization header when null). */
async function post(gw: RunningGateway, model: string, key: string | null, content = "hi"): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  return fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model, messages: [{ role: "user", content }] }) });
}

async function statuses(gw: RunningGateway, model: string, key: string | null, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await post(gw, model, key);
    await res.arrayBuffer();
    out.push(res.status);
  }
  return out;
}

describe("in-process limits", () => {
  let gw: RunningGateway;
  beforeAll(async () => {
    gw = await gateway();
  });

  it("OpenAI client: exactly requests_per_minute pass, then a RateLimitError with Retry-After and x-ratelimit headers", async () => {
    const client = openai(gw, "sk-client-openai-one");
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 3; i++) {
      const { data, response } = await client.chat.completions.create({ model: "fast", messages }).withResponse();
      expect(data.choices[0]!.message.content).toBe("Hello from the mock upstream.");
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("3");
      remaining.push(response.headers.get("x-ratelimit-remaining-requests"));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const upstreamCalls = oa.requests.length;
    const error = await client.chat.completions.create({ model: "fast", messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.status).toBe(429);
    expect(limited.code).toBe("rate_limit_exceeded");
    expect(limited.message).toContain("per_key requests per minute (limit 3)");
    const retryAfter = Number(limited.headers?.get("retry-after"));
    // 20 s per request at 3 a minute, less what refilled while the three ran (well under 5 s even on a slow CI).
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(limited.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(limited.headers?.get("x-ratelimit-reset-requests")).toMatch(/^(5\d(\.\d+)?|60)s$/);
    // Refused before any upstream was asked.
    expect(oa.requests.length).toBe(upstreamCalls);
    // Another key has its own bucket.
    await expect(openai(gw, "sk-client-openai-two").chat.completions.create({ model: "fast", messages })).resolves.toBeTruthy();
    const records = await gw.waitForLogRecords(5);
    const refused = records.filter((r) => r.status === 429 && r.route === "fast");
    expect(refused).toHaveLength(1);
    expect(refused[0]!.error).toContain("rate limit exceeded");
    expect(refused[0]!.attempts).toEqual([]);
  });

  it("Anthropic client: the same limit, refused as a rate_limit_error", async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: "sk-client-anthropic-one", maxRetries: 0 });
    const ask = () => client.messages.create({ model: "claude-fast", max_tokens: 16, messages });
    for (let i = 0; i < 3; i++) expect((await ask()).content[0]).toMatchObject({ type: "text" });
    const error = await ask().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    const limited = error as InstanceType<typeof Anthropic.RateLimitError>;
    expect(limited.status).toBe(429);
    expect((limited.error as { error?: { type?: string } }).error?.type).toBe("rate_limit_error");
    expect(Number(limited.headers?.get("retry-after"))).toBeGreaterThanOrEqual(15);
    expect(limited.headers?.get("x-ratelimit-limit-requests")).toBe("3");
  });

  it("requests without a key fall under per_ip only", async () => {
    expect(await statuses(gw, "open", null, 3)).toEqual([200, 200, 429]);
    // Keyed requests from the same address share that address's bucket.
    expect(await statuses(gw, "open", "sk-client-open", 1)).toEqual([429]);
  });

  it("tokens per minute are charged the prompt estimate, then settled from the usage the upstream reported", async () => {
    const key = "sk-client-metered";
    oa.script({ kind: "reply", usage: { input: 80, output: 15 } });
    const logged = await gw.settledLogCount();
    const first = await post(gw, "metered", key);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    // Charged ~1 token up front ("hi"); 95 once settled.
    expect(Number(first.headers.get("x-ratelimit-remaining-tokens"))).toBeGreaterThanOrEqual(98);
    const records = await gw.waitForLogRecords(logged + 1);
    expect(records[logged]).toMatchObject({ route: "metered", usage: { total_tokens: 95 } });
    // 5 tokens left (plus 100/min refilled in the meantime): a 15-token prompt does not fit...
    const refused = await post(gw, "metered", key, "x".repeat(60));
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("per_key tokens per minute (limit 100)");
    expect(Number(refused.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(15);
    // ...and a 1-token one does.
    expect((await post(gw, "metered", key)).status).toBe(200);
  });

  it("a streamed answer is settled from the usage in its stream, and carries the x-ratelimit headers", async () => {
    const key = "sk-client-metered-stream";
    oa.script({ kind: "reply", usage: { input: 80, output: 15 } });
    const logged = await gw.settledLogCount();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "metered", stream: true, stream_options: { include_usage: true }, messages }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("100");
    expect(Number(res.headers.get("x-ratelimit-remaining-tokens"))).toBeGreaterThanOrEqual(98);
    expect(await res.text()).toContain("[DONE]");
    const records = await gw.waitForLogRecords(logged + 1);
    expect(records[logged]).toMatchObject({ route: "metered", stream: true, usage: { total_tokens: 95 } });
    expect((await post(gw, "metered", key, "x".repeat(60))).status).toBe(429);
  });
});

describe("limits shared through Redis", () => {
  let redis: RedisServer;
  let a: RunningGateway;
  let b: RunningGateway;
  let inspect: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    inspect = new Redis(redis.url);
    inspect.on("error", () => {}); // the outage test kills the server under it
    [a, b] = await Promise.all([gateway({ REDIS_URL: redis.url }), gateway({ REDIS_URL: redis.url })]);
  });
  afterAll(async () => {
    inspect?.disconnect();
    await redis?.stop();
  });

  it("two gateway processes together allow exactly one limit", async () => {
    const key = "sk-client-shared-one";
    const results: number[] = [];
    for (let i = 0; i < 10; i++) results.push(...(await statuses(i % 2 ? b : a, "shared", key, 1)));
    expect(results).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    // Concurrent requests against both: still nobody gets past the (now empty) bucket.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => post(i % 2 ? b : a, "shared", key).then((r) => r.status)));
    expect(burst.every((s) => s === 429)).toBe(true);
    const keys = await inspect.keys("e2e:rl:route/shared:k:*");
    expect(keys).toHaveLength(1);
    expect(await inspect.pttl(keys[0]!)).toBeGreaterThan(0);
  });

  it("concurrent requests from both gateways never overspend the shared bucket", async () => {
    const key = "sk-client-shared-burst";
    const burst = await Promise.all(Array.from({ length: 16 }, (_, i) => post(i % 2 ? b : a, "shared", key).then((r) => r.status)));
    expect(burst.filter((s) => s === 200)).toHaveLength(5);
    expect(burst.filter((s) => s === 429)).toHaveLength(11);
  });

  it("a limit large enough to lease: the two gateways together admit at most the limit, and refuse with a meaningful wait", async () => {
    const key = "sk-client-shared-leased";
    const started = Date.now();
    const results: Response[] = [];
    // 150 requests, 10 at a time, half to each gateway: each spends leases of up to 10 units between round trips.
    for (let i = 0; i < 150; i += 10) {
      const wave = await Promise.all(Array.from({ length: 10 }, (_, j) => post((i + j) % 2 ? b : a, "roomy", key)));
      await Promise.all(wave.map((r) => r.arrayBuffer()));
      results.push(...wave);
    }
    const ok = results.filter((r) => r.status === 200).length;
    // A Redis command that timed out (a starved machine) sends a gateway to its own full local bucket: say so.
    const outages = [a, b].flatMap((gw) => gw.output().split("\n").filter((line) => line.includes("is unavailable"))).join("\n");
    // The one shared bucket allows 100 plus what refilled meanwhile; leases never add to that...
    expect(ok, outages).toBeLessThanOrEqual(100 + ((Date.now() - started + 200) * 100) / 60_000);
    // ...and a gateway is refused at most the 10 units the other still holds early.
    expect(ok).toBeGreaterThanOrEqual(100 - 2 * 10);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBe(150 - ok);
    for (const r of refused) {
      // 0.6 s per request at 100 a minute: Retry-After rounds up to whole seconds.
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("100");
    }
    // Successful answers count down what is left of the shared bucket, this gateway's lease included.
    const remaining = results.filter((r) => r.status === 200).map((r) => Number(r.headers.get("x-ratelimit-remaining-requests")));
    expect(Math.max(...remaining)).toBeLessThanOrEqual(99);
    expect(Math.min(...remaining)).toBeLessThanOrEqual(20);
  });

  it("when Redis dies, each gateway keeps serving on its local buckets, warns once, and shares again when it is back", async () => {
    const key = "sk-client-shared-outage";
    expect(await statuses(a, "shared", key, 1)).toEqual([200]);
    expect(await statuses(b, "shared", key, 1)).toEqual([200]);
    // Counted from the kill: on a loaded machine a 50 ms command timeout earlier is an outage of its own.
    const outputBefore = [a.output().length, b.output().length];
    await redis.stop("SIGKILL");
    // No request fails: each gateway now enforces the limit on its own, from a full local bucket.
    expect(await statuses(a, "shared", key, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(await statuses(b, "shared", key, 6)).toEqual([200, 200, 200, 200, 200, 429]);
    [a, b].forEach((gw, i) => expect(gw.output().slice(outputBefore[i]).match(/is unavailable/g)).toHaveLength(1));

    await redis.start();
    const deadline = Date.now() + 10_000;
    const back = (gw: RunningGateway) => gw.output().includes("is back; shared state resumed");
    while (!(back(a) && back(b)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(back(a) && back(b)).toBe(true);
    // Redis came back empty: the shared bucket starts full, and is one limit again.
    const again = "sk-client-shared-after";
    const results: number[] = [];
    for (let i = 0; i < 6; i++) results.push(...(await statuses(i % 2 ? b : a, "shared", again, 1)));
    expect(results).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

describe("start-up", () => {
  it("a REDIS_URL that is not a redis:// url stops the gateway before it listens, without printing its password", async () => {
    const result = await runToExit(bundle, { OA_URL: oa.url, AN_URL: an.url, UPSTREAM_KEY, REDIS_URL: "http://user:hunter2@cache:6379" });
    expect(result.code).toBe(1);
    expect(result.output).toContain("cannot start: redis url");
    expect(result.output).not.toContain("hunter2");
    expect(result.output).not.toContain("listening");
  });
});
