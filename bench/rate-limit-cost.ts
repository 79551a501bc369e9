// `npx tsx bench/rate-limit-cost.ts [N]`: the gateway-side CPU of one rate-limit check plus its token settle,
// for 3 buckets (per key requests + tokens, per IP requests) with 32 clients checking concurrently, in this
// process only, through Redis with leases (the default `redis.rate_limit_lease: 0.1`), and through Redis
// exactly (`rate_limit_lease: 0`: one Redis check per request, batched per event-loop turn). Starts its own
// redis-server (test/support/redis-server.ts). Each client yields a turn between requests, as a request's
// I/O does, so batching gets what it would get in the gateway. Pin it: `taskset -c 1 npx tsx …`.
import { SharedRedis } from "../runtime/redis/connection.ts";
import { RateLimiter } from "../runtime/rate-limit/limiter.ts";
import { LocalBucketStore } from "../runtime/rate-limit/local-store.ts";
import type { RateLimits } from "../runtime/contract.ts";
import type { ClientIdentity } from "../runtime/access/client-identity.ts";
import { startRedisServer } from "../test/support/redis-server.ts";

const N = Number(process.argv[2] ?? 32_000);
const CLIENTS = 32;
const limits: RateLimits = {
  scope: "global",
  perKey: { requestsPerMinute: 1e8, tokensPerMinute: 1e10 },
  perIp: { requestsPerMinute: 1e8, tokensPerMinute: null },
};
const client = { key: "sk-bench", keyId: "0123456789abcdef", account: null, ip: "127.0.0.1" } as unknown as ClientIdentity;

const server = await startRedisServer();
try {
  for (let round = 1; round <= 3; round++) {
    await measure(`in-process (round ${round})`, null, 0.1);
    await measure(`Redis, leased (round ${round})`, "lease", 0.1);
    await measure(`Redis, exact (round ${round})`, "exact", 0);
  }
} finally {
  await server.stop();
}

async function measure(label: string, prefix: string | null, lease: number): Promise<void> {
  const redis = prefix === null ? null : new SharedRedis({ url: server.url, keyPrefix: `${prefix}:` }, { commandTimeoutMs: 2000 });
  if (redis !== null && !(await redis.whenReady(5000))) throw new Error("redis-server did not answer");
  const limiter = new RateLimiter(redis, new LocalBucketStore(), lease);
  let waited = 0;
  const run = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const pending = limiter.check(limits, client, 20);
      if (pending instanceof Promise) waited++;
      const verdict = await pending;
      if (verdict.allowed && verdict.ticket !== null) limiter.settle(verdict.ticket, 35);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => run(N / CLIENTS)));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(28)} ${((used.user + used.system) / N).toFixed(1).padStart(6)} µs CPU per check + settle, ` +
      `${(N / seconds).toFixed(0).padStart(7)} checks/s, ${((100 * waited) / N).toFixed(1).padStart(5)} % waited on Redis`,
  );
  await limiter.close();
  redis?.close();
}
