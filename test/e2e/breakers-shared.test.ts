// Circuit breakers shared by two gateway processes through one real redis-server: failures seen by A open
// the breaker, B skips the target at once and shows it open on /health; with Redis gone each gateway keeps
// serving on its own local breakers and says so.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";

let down: MockUpstream;
let backup: MockUpstream;
let redis: RedisServer;
let inspect: Redis;
let a: RunningGateway;
let b: RunningGateway;
const TARGET = "down:shared-breaker";

beforeAll(async () => {
  [down, backup] = await Promise.all([startMockUpstream({ api: "openai", default: { kind: "error", status: 503 } }), startMockUpstream({ api: "openai" })]);
  redis = await startRedisServer();
  inspect = new Redis(redis.url);
  inspect.on("error", () => {}); // the outage test kills the server under it
  const { bundle } = await buildCase("breakers-shared", "test/e2e/breakers-shared.routes.yaml");
  const env = { KEY: "sk-upstream-0123456789abcdefghij", DOWN_URL: down.url, BACKUP_URL: backup.url, REDIS_URL: redis.url };
  [a, b] = await Promise.all([startGateway(bundle, env), startGateway(bundle, env)]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  inspect?.disconnect();
  await redis?.stop();
  await Promise.all([down?.close(), backup?.close()]);
});

async function chat(gw: RunningGateway): Promise<Record<string, any>> {
  const before = await gw.settledLogCount();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer client-key" },
    body: JSON.stringify({ model: "shared-breaker", messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return (await gw.waitForLogRecords(before + 1))[before]!;
}

async function health(gw: RunningGateway): Promise<{ breakers: string; target: Record<string, any> }> {
  const body = (await (await fetch(`${gw.url}/health`)).json()) as { status: string; breakers: string; targets: Array<Record<string, any>> };
  expect(body.status).toBe("ok");
  return { breakers: body.breakers, target: body.targets.find((t) => t.target === TARGET)! };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return performance.now() - started;
}

describe("breakers shared through Redis", () => {
  it("failures through gateway A open the breaker; gateway B skips the target at once and /health on B shows it open", async () => {
    for (const gw of [a, b]) expect(await health(gw)).toMatchObject({ breakers: "shared", target: { state: "closed", failures: 0 } });
    for (let i = 0; i < 2; i++) {
      const record = await chat(a);
      expect(record.attempts.map((x: any) => [x.provider, x.status])).toEqual([
        ["down", 503],
        ["backup", 200],
      ]);
    }
    // B learns of it by its next sync (every 100 ms; at once on A, which pushes failures straight away).
    await until(async () => (await health(b)).target.state === "open", 2000);
    const [onA, onB] = [await health(a), await health(b)];
    expect(onB.target).toMatchObject({ state: "open", failures: 2, window_requests: 2, window_failures: 2 });
    // One breaker: the same opening, each process giving it in its own clock (Redis's less the offset it measured).
    expect(Math.abs(Date.parse(onB.target.opened_at) - Date.parse(onA.target.opened_at))).toBeLessThan(100);
    expect(Math.abs(Date.parse(onB.target.retry_at) - Date.parse(onB.target.opened_at) - 30_000)).toBeLessThanOrEqual(1);

    const seen = down.requests.length;
    const skipped = await chat(b);
    expect(skipped.attempts[0]).toMatchObject({ provider: "down", status: null, latency_ms: 0, skipped: "circuit open" });
    expect(skipped.attempts[1]).toMatchObject({ provider: "backup", status: 200 });
    expect(down.requests.length).toBe(seen);
    expect(await inspect.hget("e2e-cb:cb:shared-breaker down:shared-breaker", "s")).toBe("1");
  });

  it("with Redis gone, each gateway serves on its own local breakers without a failed request, and /health says so", async () => {
    await redis.stop("SIGKILL");
    await until(async () => (await health(b)).breakers === "local-fallback", 3000);
    // B's own breaker never saw a failure: B tries the target again, then falls back; nothing fails.
    const record = await chat(b);
    expect(record.attempts.map((x: any) => [x.provider, x.status])).toEqual([
      ["down", 503],
      ["backup", 200],
    ]);
    // A's local breaker saw both failures: it is open there too.
    expect((await chat(a)).attempts[0].skipped).toBe("circuit open");
    for (const gw of [a, b]) expect(gw.output().match(/is unavailable/g)).toHaveLength(1);

    await redis.start();
    await until(async () => (await health(a)).breakers === "shared" && (await health(b)).breakers === "shared", 10_000);
    // Redis came back empty: the shared breaker is closed again.
    expect((await health(b)).target.state).toBe("closed");
  });
});
