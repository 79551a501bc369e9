// Client keys and budgets through the built bundle, the official SDKs, the `switchyard keys` CLI and the
// admin API, on a real SQLite file and a real PostgreSQL server: 401/403 in each client's own format, a key
// in force at once and refused within seconds of its revocation, per-key models in /v1/models, cost in the
// log and the ledger, and budgets that exactly hold when fifty requests race for them, on one gateway and
// on two sharing a store.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { freePort, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { startPostgres, type PostgresServer } from "../support/postgres-server.ts";

const UPSTREAM_KEY = "sk-upstream-keys-test-aaaaaaaa";
const ADMIN_KEY = "admin-key-for-the-keys-test-0123456789";
let bundle: string;
let oa: MockUpstream;
let an: MockUpstream;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  // Every reply reports 10 output tokens: at the fixture's $0.001 a token, $0.01, what max_tokens 10 reserves.
  const usage = { input: 5, output: 10, cacheRead: 0, cacheCreation: 0 };
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai", default: { kind: "reply", usage } }), startMockUpstream({ api: "anthropic", default: { kind: "reply", usage } })]);
  ({ bundle } = await buildCase("keys", "test/e2e/keys.routes.yaml"));
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await Promise.all([oa?.close(), an?.close()]);
});

async function gateway(store: string, env: Record<string, string> = {}): Promise<RunningGateway> {
  const gw = await startGateway(bundle, { OA_URL: oa.url, AN_URL: an.url, UPSTREAM_KEY, SWITCHYARD_STORE: store, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, ...env });
  gateways.push(gw);
  return gw;
}

/** `switchyard keys …` against `store`, as a user would run it; parsed --json output. */
function keys(store: string, ...args: string[]): any {
  const result = spawnSync(process.execPath, [path.join(root, "bin/switchyard.mjs"), "keys", ...args, "--store", store, "--json"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`switchyard keys ${args.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout);
}

function openai(gw: RunningGateway, apiKey: string): OpenAI {
  return new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
}

function anthropic(gw: RunningGateway, apiKey: string): Anthropic {
  return new Anthropic({ baseURL: gw.url, apiKey, maxRetries: 0 });
}

const messages = [{ role: "user" as const, content: "hi" }];

/** One chat completion; `body` is the JSON answer, or the SSE text of a stream. */
async function chat(gw: RunningGateway, key: string | null, model = "gpt-4o", extra: object = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify({ model, messages, max_tokens: 10, ...extra }) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

/** Polls until `check` holds: keyring changes reach a running gateway within its poll interval. */
async function within<T>(ms: number, attempt: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await attempt();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function admin(gw: RunningGateway, method: string, path: string, body?: object, key = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const res = await fetch(`${gw.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe("client keys on one gateway (SQLite store)", () => {
  let gw: RunningGateway;
  let store: string;
  let key: { id: string; key: string };

  beforeAll(async () => {
    store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-keys-")), "keys.db")}`;
    gw = await gateway(store);
    key = keys(store, "create", "--name", "team-a", "--models", "gpt-4o,claude-*");
  });

  it("no key and a wrong key get 401 in the OpenAI format", async () => {
    const missing = await chat(gw, null);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ type: "authentication_error", code: "missing_api_key" });
    expect(missing.body.error.message).toContain("missing API key");
    const wrong = await openai(gw, "sk-sy-not-a-real-key-at-all").chat.completions.create({ model: "gpt-4o", messages }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((wrong as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
  });

  it("no key gets 401 in the Anthropic format", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST",
      headers: { "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet", max_tokens: 10, messages }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "authentication_error", message: expect.stringContaining("missing API key") } });
  });

  it("a wrong key gets 401 in the Anthropic format", async () => {
    const error = await anthropic(gw, "sk-ant-wrong").messages.create({ model: "claude-sonnet", max_tokens: 10, messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("a key created by the CLI works at once, through both SDKs", async () => {
    const completion = await within(5000, () => chat(gw, key.key), (r) => r.status === 200);
    expect(completion.status).toBe(200);
    const message = await anthropic(gw, key.key).messages.create({ model: "claude-sonnet", max_tokens: 10, messages });
    expect(message.content[0]).toMatchObject({ type: "text" });
  });

  it("a model outside the key's globs is a 403 in each client's format", async () => {
    const openaiError = await openai(gw, key.key).chat.completions.create({ model: "unpriced", messages }).catch((e: unknown) => e);
    expect(openaiError).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((openaiError as InstanceType<typeof OpenAI.PermissionDeniedError>).message).toContain('may not use model "unpriced"');
    // Anthropic clients send their key as x-api-key.
    const anthropicError = await anthropic(gw, key.key).messages.create({ model: "haiku-free", max_tokens: 10, messages }).catch((e: unknown) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((anthropicError as InstanceType<typeof Anthropic.PermissionDeniedError>).error).toMatchObject({ type: "error", error: { type: "permission_error" } });
  });

  it("GET /v1/models lists only what the key may use, and needs a key", async () => {
    const openaiList = await openai(gw, key.key).models.list();
    expect(openaiList.data.map((m) => m.id)).toEqual(["gpt-4o"]);
    const anthropicList = await anthropic(gw, key.key).models.list();
    expect(anthropicList.data.map((m) => m.id)).toEqual(["claude-sonnet"]);
    const everything = keys(store, "create", "--name", "everything");
    await untilKnown(gw, everything.key);
    expect((await openai(gw, everything.key).models.list()).data.map((m) => m.id).sort()).toEqual(["byok", "gpt-4o", "unpriced"]);
    expect((await anthropic(gw, everything.key).models.list()).data.map((m) => m.id).sort()).toEqual(["claude-sonnet", "haiku-free"]);
    expect((await fetch(`${gw.url}/v1/models`)).status).toBe(401);
  });

  it("logs the key's id and name, the client IP, the trace id and the cost, never the key", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const before = await gw.settledLogCount();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "x-forwarded-for": "203.0.113.7" },
      body: JSON.stringify({ model: "gpt-4o", messages, max_tokens: 10 }),
    });
    expect(res.status).toBe(200);
    const record = (await gw.waitForLogRecords(before + 1)).at(-1)!;
    expect(record).toMatchObject({ key_id: key.id, key_name: "team-a", trace_id: traceId, status: 200 });
    // 127.0.0.1 is a trusted proxy in the fixture, so X-Forwarded-For names the client.
    expect(record.client_ip).toBe("203.0.113.7");
    expect(record.cost_usd).toBeCloseTo(0.01, 9);
    const logText = readdirSync(path.join(gw.cwd, "logs")).map((f) => readFileSync(path.join(gw.cwd, "logs", f), "utf8")).join("");
    expect(logText).not.toContain(key.key);
    const storeBytes = readFileSync(store.slice("sqlite:".length));
    expect(storeBytes.includes(Buffer.from(key.key))).toBe(false);
    // The upstream got the provider's key, not the client's Switchyard key.
    expect(oa.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it("a client with its own provider key sends the Switchyard key in x-switchyard-api-key (bring-your-own-key)", async () => {
    const own = keys(store, "create", "--name", "byok", "--models", "byok");
    await untilKnown(gw, own.key);
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-switchyard-api-key": own.key, authorization: "Bearer sk-clients-own-openai-key-1234567890", "content-type": "application/json" },
      body: JSON.stringify({ model: "byok", messages, max_tokens: 10 }),
    });
    expect(res.status).toBe(200);
    const upstream = oa.requests.at(-1)!.headers;
    expect(upstream.authorization).toBe("Bearer sk-clients-own-openai-key-1234567890");
    expect(upstream["x-switchyard-api-key"]).toBeUndefined();
    // Without the header, the Authorization key is the Switchyard key, and it is never forwarded.
    expect((await chat(gw, own.key, "byok")).status).toBe(200);
    expect(oa.requests.at(-1)!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
  });

  it("a revoked key is refused within 5 s, saying it was revoked", async () => {
    const doomed = keys(store, "create", "--name", "doomed");
    expect((await within(5000, () => chat(gw, doomed.key), (r) => r.status === 200)).status).toBe(200);
    keys(store, "revoke", doomed.id);
    // From the moment the revocation is in the store (the CLI has returned).
    const revokedAt = Date.now();
    const refused = await within(5000, () => chat(gw, doomed.key), (r) => r.status === 401);
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain("was revoked");
    // The refusal is logged under the key's id, so an operator can see who was turned away.
    const records = await within(5000, async () => gw.logRecords(), (all) => all.some((r) => r.status === 401 && r.key_id === doomed.id));
    expect(records.find((r) => r.status === 401 && r.key_id === doomed.id)).toMatchObject({ error: expect.stringContaining("was revoked") });
  });

  it("an expired key is refused, saying it expired", async () => {
    const brief = keys(store, "create", "--name", "brief", "--expires", "1s");
    await new Promise((r) => setTimeout(r, 1500));
    const refused = await within(5000, () => chat(gw, brief.key), (r) => r.status === 401);
    expect(refused.body.error.message).toContain("expired at");
  });

  it("per-key rpm applies across routes", async () => {
    const slow = keys(store, "create", "--name", "slow", "--rpm", "2");
    await untilKnown(gw, slow.key);
    expect((await chat(gw, slow.key, "gpt-4o")).status).toBe(200);
    await anthropic(gw, slow.key).messages.create({ model: "claude-sonnet", max_tokens: 10, messages });
    const limited = await chat(gw, slow.key, "gpt-4o");
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toContain(`API key ${slow.id} requests per minute (limit 2)`);
  });

  it("the admin API needs the admin key, and creates, shows, changes and rotates keys", async () => {
    expect((await admin(gw, "GET", "/admin/keys", undefined, "wrong")).status).toBe(401);
    const created = await admin(gw, "POST", "/admin/keys", { name: "from-api", models: ["gpt-4o"], budget_usd: 1, budget_period: "day" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "from-api", status: "active", models: ["gpt-4o"], budget: { usd: 1, period: "day" } });
    expect(created.body.key).toMatch(/^sk-sy-/);
    // This instance reloads at once after its own admin API changed a key.
    expect((await chat(gw, created.body.key)).status).toBe(200);

    const listed = await admin(gw, "GET", "/admin/keys");
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);

    // The ledger is written in batches, about once a second.
    const shown = await within(5000, () => admin(gw, "GET", `/admin/keys/${created.body.id}`), (r) => r.body.spend.requests > 0);
    expect(shown.body.budget).toMatchObject({ usd: 1, period: "day", spent_usd: 0.01, reserved_usd: 0 });
    expect(shown.body.spend.by_model).toEqual([expect.objectContaining({ model: "gpt-4o", requests: 1, output_tokens: 10 })]);

    const changed = await admin(gw, "PATCH", `/admin/keys/${created.body.id}`, { models: ["claude-*"] });
    expect(changed.body.models).toEqual(["claude-*"]);
    expect((await chat(gw, created.body.key)).status).toBe(403);

    const bad = await admin(gw, "PATCH", `/admin/keys/${created.body.id}`, { rpm: -3 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("rpm");

    const rotated = await admin(gw, "POST", `/admin/keys/${created.body.id}/rotate`, { grace: "2s" });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(created.body.id);
    // Both keys work during the grace period, with the same id and policy.
    const claude = (apiKey: string) => anthropic(gw, apiKey).messages.create({ model: "claude-sonnet", max_tokens: 10, messages });
    expect((await claude(rotated.body.key)).type).toBe("message");
    expect((await claude(created.body.key)).type).toBe("message");
    await new Promise((r) => setTimeout(r, 2100));
    const old = await claude(created.body.key).catch((e: unknown) => e);
    expect(old).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((old as Error).message).toContain("was rotated");
    expect((await claude(rotated.body.key)).type).toBe("message");
    expect((await admin(gw, "GET", "/admin/keys/key_0000000000000000")).status).toBe(404);
  });
});

describe("auth by default", () => {
  it("a gateway listening on every interface requires keys without being told to", async () => {
    const { bundle: open } = await buildCase("keys-default", "test/e2e/rate-limits.routes.yaml");
    const port = await freePort();
    const child = spawn(process.execPath, [open, "--host", "0.0.0.0", "--port", String(port)], {
      cwd: mkdtempSync(path.join(tmpdir(), "switchyard-keys-default-")),
      env: { PATH: process.env.PATH ?? "", OA_URL: oa.url, AN_URL: an.url, UPSTREAM_KEY },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      await within(15_000, async () => output, (text) => text.includes("listening on"));
      expect(output).toContain("client keys required (0 keys in");
      expect(output).toContain("no client keys exist yet");
      const res = await fetch(`http://127.0.0.1:${port}/v1/models`);
      expect(res.status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    // It builds its own bundle: a whole type-check, which takes tens of seconds on a loaded 2-core machine.
  }, 120_000);
});

/** Waits until `gw` knows `key` (its keyring poll), without spending anything: GET /v1/models needs a valid key. */
async function untilKnown(gw: RunningGateway, key: string): Promise<void> {
  const res = await within(5000, () => fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }), (r) => r.status === 200);
  expect(res.status).toBe(200);
}

/** Fires `n` requests at once (spread over `gws`) and returns their statuses. */
async function race(gws: RunningGateway[], key: string, n: number, extra: object = {}): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => chat(gws[i % gws.length]!, key, "gpt-4o", extra).then((r) => r.status)));
}

function tally(statuses: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

describe("budgets that hold under concurrency", () => {
  it("one gateway on SQLite: 50 requests at once, a budget for exactly 10 → exactly 10 succeed", async () => {
    const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-budget-")), "keys.db")}`;
    const gw = await gateway(store);
    const key = keys(store, "create", "--name", "ten", "--budget-usd", "0.1", "--budget-period", "day");
    await untilKnown(gw, key.key);
    const statuses = await race([gw], key.key, 50);
    expect(tally(statuses)).toEqual({ 200: 10, 429: 40 });
    const shown = keys(store, "show", key.id);
    expect(shown.budget.spent_usd).toBeCloseTo(0.1, 9);
    expect(shown.budget.spent_usd).toBeLessThanOrEqual(0.1);
    expect(shown.budget.reserved_usd).toBe(0);
    const spent = await chat(gw, key.key);
    expect(spent.status).toBe(429);
    expect(spent.body.error.message).toMatch(/budget spent: .* has spent \$0\.10 of its daily budget of \$0\.10; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/);
  });

  it("streams are priced from the usage in the stream, and settle the budget", async () => {
    const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-budget-")), "keys.db")}`;
    const gw = await gateway(store);
    const key = keys(store, "create", "--name", "streams", "--budget-usd", "0.05", "--budget-period", "total");
    await untilKnown(gw, key.key);
    const statuses = await race([gw], key.key, 12, { stream: true, stream_options: { include_usage: true } });
    expect(tally(statuses)).toEqual({ 200: 5, 429: 7 });
    // The ledger is written in batches, about once a second.
    const shown = await within(5000, async () => keys(store, "show", key.id), (s) => s.spend.requests === 5);
    expect(shown.budget.spent_usd).toBeCloseTo(0.05, 9);
    expect(shown.spend).toMatchObject({ requests: 5 });
    expect(shown.spend.cost_usd).toBeCloseTo(0.05, 9);
    const records = (await gw.waitForLogRecords(12)).filter((r) => r.status === 200);
    expect(records.every((r) => r.cost_usd === 0.01 && r.cost_estimated === undefined)).toBe(true);
  });

  it("a stream without usage is priced from its text, and the log says the cost is estimated", async () => {
    const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-budget-")), "keys.db")}`;
    const gw = await gateway(store);
    const key = keys(store, "create", "--name", "estimates", "--budget-usd", "1", "--budget-period", "day");
    await untilKnown(gw, key.key);
    expect((await chat(gw, key.key, "gpt-4o", { stream: true })).status).toBe(200);
    // The chat's record: untilKnown's refused GET /v1/models polls (401 before the keyring has the key) are logged too.
    const record = (await within(5000, async () => gw.logRecords(), (all) => all.some((r) => r.path === "/v1/chat/completions"))).find((r) => r.path === "/v1/chat/completions");
    // "Hello from the mock upstream." is 29 characters: 8 tokens at about four a token, $0.001 each.
    expect(record).toMatchObject({ status: 200, usage: null, cost_estimated: true });
    expect(record!.cost_usd).toBeCloseTo(0.008, 9);
    const shown = await within(5000, async () => keys(store, "show", key.id), (s) => s.spend.requests === 1);
    expect(shown.budget.spent_usd).toBeCloseTo(0.008, 9);
  });

  it("a budgeted key cannot use a model with no price", async () => {
    const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-budget-")), "keys.db")}`;
    const gw = await gateway(store);
    const key = keys(store, "create", "--name", "careful", "--budget-usd", "5", "--budget-period", "month");
    await untilKnown(gw, key.key);
    const refused = await chat(gw, key.key, "unpriced");
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("no known price");
  });

  describe("two gateways sharing a store", () => {
    let pg: PostgresServer;
    beforeAll(async () => {
      pg = await startPostgres();
    });
    afterAll(async () => {
      await pg?.stop();
    });

    it("PostgreSQL: 50 requests over two instances, a budget for exactly 10 → exactly 10 succeed", async () => {
      const [a, b] = await Promise.all([gateway(pg.url), gateway(pg.url)]);
      const created = await admin(a!, "POST", "/admin/keys", { name: "fleet", budget_usd: 0.1, budget_period: "week" });
      expect(created.status).toBe(201);
      // Created through instance a; b learns of it from the store within its poll interval.
      await untilKnown(b!, created.body.key);
      const statuses = await race([a!, b!], created.body.key, 50);
      expect(tally(statuses)).toEqual({ 200: 10, 429: 40 });
      // Spend is settled in batches (about once a second), so the last request's may land just after the race.
      const shown = await within(5000, () => admin(b!, "GET", `/admin/keys/${created.body.id}`), (r) => Math.abs(r.body.budget.spent_usd - 0.1) < 1e-9);
      expect(shown.body.budget.spent_usd).toBeCloseTo(0.1, 9);
      expect(shown.body.budget.spent_usd).toBeLessThanOrEqual(0.1);
      // A revocation through b is in force on a within 5 s.
      await admin(b!, "POST", `/admin/keys/${created.body.id}/revoke`);
      const refused = await within(5000, () => chat(a!, created.body.key), (r) => r.status === 401);
      expect(refused.status).toBe(401);
    });

    it("SQLite: two instances on one file → exactly 10 succeed", async () => {
      const store = `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), "switchyard-budget-")), "shared.db")}`;
      const [a, b] = await Promise.all([gateway(store), gateway(store)]);
      const key = keys(store, "create", "--name", "pair", "--budget-usd", "0.1", "--budget-period", "month");
      await Promise.all([untilKnown(a!, key.key), untilKnown(b!, key.key)]);
      const statuses = await race([a!, b!], key.key, 50);
      expect(tally(statuses)).toEqual({ 200: 10, 429: 40 });
      expect(keys(store, "show", key.id).budget.spent_usd).toBeCloseTo(0.1, 9);
    });
  });
});
