// deploy/compose.yaml's fleet without Docker: the image built with the gateways' build args (the fleet's
// routes.yaml), two "containers" of it started with compose's environment for gateway-1 and gateway-2, on a
// real Redis and PostgreSQL (the service names `redis` and `postgres` stand for these local servers), then
// what the fleet promises: one key store, one rate limit, one request log, and metrics for Prometheus.
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../support/gateway.ts";
import { startPostgres, type PostgresServer } from "../support/postgres-server.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";
import { buildImage, runContainer, type Container, type Image } from "./image.ts";

const compose = parse(readFileSync(path.join(root, "deploy/compose.yaml"), "utf8"), { merge: true });
const prometheus = parse(readFileSync(path.join(root, "deploy/prometheus.yml"), "utf8"));
/** What the operator exports before `docker compose up` (deploy/compose.yaml's header). */
const SHELL = { SWITCHYARD_ADMIN_KEY: "sy-admin-fleet-test-0123456789abcdef", POSTGRES_PASSWORD: "unused-here", OPENAI_API_KEY: "" };

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}` in one value. */
function interpolate(value: string, shell: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const set = shell[name];
    if (set !== undefined && set !== "") return set;
    if (op === "?") throw new Error(`compose would refuse to start: ${arg}`);
    return op === "-" ? arg : "";
  });
}

function serviceEnvironment(name: string, redis: RedisServer, postgres: PostgresServer): Record<string, string> {
  const env = Object.fromEntries(Object.entries<string>(compose.services[name].environment).map(([key, value]) => [key, interpolate(String(value), SHELL)]));
  // The only change: the service names resolve to this machine's servers.
  expect(env.REDIS_URL).toBe("redis://redis:6379");
  expect(env.DATABASE_URL).toMatch(/@postgres:5432\/switchyard$/);
  return { ...env, REDIS_URL: redis.url, DATABASE_URL: postgres.url };
}

async function chat(gateway: Container, key: string): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hi" }] }),
  });
}

describe("deploy/compose.yaml's two gateways on one Redis and one PostgreSQL", () => {
  let image: Image;
  let redis: RedisServer;
  let postgres: PostgresServer;
  const gateways = new Map<string, Container>();

  beforeAll(async () => {
    image = buildImage(compose.services["gateway-1"].build.args);
    redis = await startRedisServer();
    postgres = await startPostgres();
    // One after the other: both apply the store's and the request log's migrations at start.
    for (const name of ["gateway-1", "gateway-2"]) gateways.set(name, await runContainer(image, serviceEnvironment(name, redis, postgres)));
  }, 600_000);

  afterAll(async () => {
    for (const gateway of gateways.values()) await gateway.stop();
    await redis?.stop();
    await postgres?.stop();
    image?.remove();
  });

  it("shares breakers through Redis and writes the request log to PostgreSQL, on both", async () => {
    for (const [name, gateway] of gateways) {
      const health = (await (await fetch(`${gateway.url}/health`)).json()) as { env: string; breakers: string; log: { sink: string } };
      expect(health, name).toMatchObject({ env: "prod", breakers: "shared", log: { sink: "postgres" } });
    }
  });

  it("knows a key created through one gateway on the other, and holds its rate limit across both", async () => {
    const one = gateways.get("gateway-1")!;
    const two = gateways.get("gateway-2")!;
    const created = await fetch(`${one.url}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${SHELL.SWITCHYARD_ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "fleet", models: ["demo"], rpm: 4 }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    // Gateway 2 reads the shared store once a second.
    let first: Response | null = null;
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      first = await chat(two, key);
      if (first.status !== 401) break;
    }
    expect(first!.status).toBe(200);
    // 4 a minute for the key, across the fleet (a limit this small is never leased: exact): three more, then 429.
    const statuses = [];
    for (const gateway of [one, two, one, two]) statuses.push((await chat(gateway, key)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("logs both gateways' requests in one PostgreSQL table", async () => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      let count = 0;
      for (const deadline = Date.now() + 5000; Date.now() < deadline && count < 5; await new Promise((r) => setTimeout(r, 100))) {
        count = Number((await client.query("SELECT count(*) AS n FROM request_log WHERE model = 'demo'")).rows[0].n);
      }
      expect(count).toBeGreaterThanOrEqual(5);
    } finally {
      await client.end();
    }
  });

  it("serves /metrics to Prometheus's scrape config: every target, with the admin key from the compose secret", async () => {
    const job = prometheus.scrape_configs.find((c: { job_name: string }) => c.job_name === "switchyard");
    const secret = compose.secrets[job.authorization.credentials_file.replace(/^\/run\/secrets\//, "")];
    const credentials = SHELL[secret.environment as keyof typeof SHELL];
    for (const target of job.static_configs.flatMap((c: { targets: string[] }) => c.targets) as string[]) {
      const gateway = gateways.get(target.split(":")[0]!)!;
      expect(gateway, target).toBeDefined();
      expect((await fetch(`${gateway.url}${job.metrics_path}`)).status).toBe(401);
      const scraped = await fetch(`${gateway.url}${job.metrics_path}`, { headers: { authorization: `${job.authorization.type} ${credentials}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toContain("switchyard_requests_total");
    }
  });

  it("drains both on SIGTERM and exits 0", async () => {
    for (const [name, gateway] of gateways) expect(await gateway.stop(), name).toBe(0);
  });
});
