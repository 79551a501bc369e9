// The request log's sinks through the built bundle, on a real SQLite file and a real PostgreSQL server:
// every record of a concurrent burst is stored (also when SIGTERM follows at once), a 10 s sink outage loses
// no request and no record, an overflowing queue counts exactly what it dropped, retention deletes old
// records and files at start, redaction keeps configured patterns, e-mails, cards and keys out of every
// sink, and `switchyard logs` / `switchyard usage` read each sink back, spawned as a user would run them.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, readLogRecords, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { until } from "../support/wait.ts";
import { startPostgres, type PostgresServer } from "../support/postgres-server.ts";
import { SqliteSink } from "../../runtime/log/sinks/sqlite.ts";
import { PostgresSink } from "../../runtime/log/sinks/postgres.ts";
import type { LogEntry } from "../../runtime/log/sinks/types.ts";

const OA_KEY = "sk-upstream-log-sinks-0123456789abcdef";
const REPLY = "Sure: write to bob@example.com, call 555-1234 about ACME-123456.";
const DAY_MS = 86_400_000;
let oa: MockUpstream;
let bundle: string;
let smallQueueBundle: string;
let postgres: PostgresServer;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  oa = await startMockUpstream({ api: "openai", default: { kind: "reply", text: REPLY, usage: { input: 10, output: 5, cacheRead: 0 } } });
  ({ bundle } = await buildCase("log-sinks", "test/e2e/log-sinks.routes.yaml"));
  ({ bundle: smallQueueBundle } = await buildCase("log-sinks-small", "test/e2e/log-sinks.routes.yaml", "small-queue"));
  postgres = await startPostgres();
}, 240_000);
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await oa?.close();
  await postgres?.stop();
});

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "switchyard-log-sinks-"));
}

async function gateway(sink: string | null, options: { bundle?: string; cwd?: string; env?: Record<string, string> } = {}): Promise<RunningGateway> {
  const env: Record<string, string> = { OA_URL: oa.url, OA_KEY, ...options.env };
  if (sink !== null) env.LOG_SINK = sink;
  const gw = await startGateway(options.bundle ?? bundle, env, { cwd: options.cwd });
  gateways.push(gw);
  return gw;
}

async function database(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return postgres.urlOf(name);
}

interface Answer {
  status: number;
  id: string;
  ms: number;
}

async function chat(gw: RunningGateway, body: object = {}): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], ...body }),
  });
  await res.text();
  return { status: res.status, id: res.headers.get("x-switchyard-request-id") ?? "", ms: performance.now() - started };
}

async function health(gw: RunningGateway): Promise<{ sink: string; queued: number; dropped: number; state: string }> {
  return ((await (await fetch(`${gw.url}/health`)).json()) as any).log;
}

function sqliteIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT id FROM request_log ORDER BY seq").all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

async function postgresQuery<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function postgresIds(url: string): Promise<string[]> {
  return (await postgresQuery<{ id: string }>(url, "SELECT id FROM request_log ORDER BY seq")).map((r) => r.id);
}

/** `n` requests at once; every one must answer 200. */
async function burst(gw: RunningGateway, n: number): Promise<string[]> {
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => chat(gw, { messages: [{ role: "user", content: `burst ${i}` }] })));
  expect(answers.filter((a) => a.status !== 200)).toEqual([]);
  return answers.map((a) => a.id);
}

/** A request every `everyMs` for `forMs`, each awaited on its own; resolves with every answer. */
async function steady(gw: RunningGateway, forMs: number, everyMs: number): Promise<Answer[]> {
  const pending: Promise<Answer>[] = [];
  const end = Date.now() + forMs;
  for (let i = 0; Date.now() < end; i++) {
    pending.push(chat(gw, { messages: [{ role: "user", content: `steady ${i}` }] }));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return Promise.all(pending);
}

/**
 * `n` requests at once, each held 300 ms by the upstream; SIGTERM once all of them reached it, so every
 * record is made while the gateway drains and the log must flush them all before it exits.
 */
async function burstThenSigterm(gw: RunningGateway, n: number): Promise<string[]> {
  const seen = oa.requests.length;
  oa.script(...Array.from({ length: n }, () => ({ kind: "reply" as const, text: REPLY, delayMs: 300, usage: { input: 10, output: 5, cacheRead: 0 } })));
  const answers = Promise.all(Array.from({ length: n }, (_, i) => chat(gw, { messages: [{ role: "user", content: `burst ${i}` }] })));
  await oa.waitForRequests(seen + n, 10_000);
  const exited = gw.stop("SIGTERM");
  const all = await answers;
  expect(all.filter((a) => a.status !== 200)).toEqual([]);
  expect(await exited).toBe(0);
  return all.map((a) => a.id);
}

describe("a burst of concurrent requests", () => {
  it("lands whole in SQLite, with SIGTERM while it is in flight", async () => {
    const file = path.join(tempDir(), "requests.db");
    const gw = await gateway(`sqlite:${file}`);
    const ids = await burstThenSigterm(gw, 200);
    expect(sqliteIds(file).sort()).toEqual([...ids].sort());
    // Nothing went to the JSONL files instead.
    expect(existsSync(path.join(gw.cwd, "logs"))).toBe(false);
  });

  it("lands whole in PostgreSQL, with SIGTERM while it is in flight", async () => {
    const url = await database("burst");
    const gw = await gateway(url);
    const ids = await burstThenSigterm(gw, 200);
    expect((await postgresIds(url)).sort()).toEqual([...ids].sort());
  });
});

describe("refused requests (issue 15: who was turned away)", () => {
  /** A body that is not JSON (400) and a model no route serves (404): the sink stores both with what is known. */
  async function refuse(gw: RunningGateway): Promise<{ malformed: string; unknown: string }> {
    const malformed = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"model":' });
    await malformed.text();
    expect(malformed.status).toBe(400);
    const unknown = await chat(gw, { model: "no-such-model" });
    expect(unknown.status).toBe(404);
    await until("every record", () => health(gw), (h) => h.queued === 0);
    return { malformed: malformed.headers.get("x-switchyard-request-id")!, unknown: unknown.id };
  }
  const want = (ids: { malformed: string; unknown: string }) => [
    { id: ids.malformed, status: 400, key_id: null, route: null, model: null, error_code: "invalid_json" },
    { id: ids.unknown, status: 404, key_id: null, route: null, model: "no-such-model", error_code: "model_not_found" },
  ];

  it("land in SQLite with no key, route or model where there was none", async () => {
    const file = path.join(tempDir(), "requests.db");
    const gw = await gateway(`sqlite:${file}`);
    const ids = await refuse(gw);
    await gw.stop();
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare("SELECT id, status, key_id, route, model, record FROM request_log ORDER BY seq").all() as Array<Record<string, any>>;
      expect(rows.map(({ record, ...row }) => ({ ...row, error_code: JSON.parse(record).error_code }))).toEqual(want(ids));
    } finally {
      db.close();
    }
  });

  it("land in PostgreSQL with no key, route or model where there was none", async () => {
    const url = await database("refused");
    const gw = await gateway(url);
    const ids = await refuse(gw);
    await gw.stop();
    const rows = await postgresQuery<Record<string, any>>(url, "SELECT id, status, key_id, route, model, record->>'error_code' AS error_code FROM request_log ORDER BY seq");
    expect(rows).toEqual(want(ids));
  });
});

describe("a sink outage of 10 s", () => {
  it("SQLite locked by another process: every request still answers 200 promptly, and no record is lost", async () => {
    const file = path.join(tempDir(), "requests.db");
    const gw = await gateway(`sqlite:${file}`);
    const first = await chat(gw);
    await until("the first record", () => sqliteIds(file), (ids) => ids.length === 1);
    const blocker = new Database(file);
    blocker.exec("BEGIN EXCLUSIVE");
    let answers: Answer[];
    try {
      answers = await steady(gw, 10_000, 50);
      expect(await health(gw)).toMatchObject({ sink: "sqlite", dropped: 0, state: "retrying" });
    } finally {
      blocker.exec("COMMIT");
      blocker.close();
    }
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1000);
    await until("the queue to drain", () => health(gw), (h) => h.queued === 0 && h.state === "ok");
    expect(await health(gw)).toEqual({ sink: "sqlite", queued: 0, dropped: 0, state: "ok" });
    expect(sqliteIds(file).sort()).toEqual([first.id, ...answers.map((a) => a.id)].sort());
    expect(gw.output()).toMatch(/request log sink sqlite:.* failed: database is locked; retrying with backoff/);
    // The recovery line comes from the log's thread: it may land a moment after the queue reads empty.
    await until("the sink's recovery line", () => gw.output(), (out) => /request log sink sqlite:.* recovered after [\d.]+ s; 0 records dropped meanwhile/.test(out), 10_000);
  }, 60_000);

  it("PostgreSQL stopped: every request still answers 200 promptly, and no record is lost", async () => {
    const url = await database("outage");
    const gw = await gateway(url);
    const first = await chat(gw);
    await until("the first record", () => postgresIds(url), (ids) => ids.length === 1);
    await postgres.pause();
    let answers: Answer[];
    try {
      answers = await steady(gw, 10_000, 50);
      expect(await health(gw)).toMatchObject({ sink: "postgres", dropped: 0, state: "retrying" });
    } finally {
      await postgres.resume();
    }
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1000);
    await until("the queue to drain", () => health(gw), (h) => h.queued === 0 && h.state === "ok");
    expect(await health(gw)).toEqual({ sink: "postgres", queued: 0, dropped: 0, state: "ok" });
    expect((await postgresIds(url)).sort()).toEqual([first.id, ...answers.map((a) => a.id)].sort());
  }, 60_000);

  it("a queue too small for the outage drops the overflow, and the drop counter tells the truth", async () => {
    const url = await database("overflow");
    const gw = await gateway(url, { bundle: smallQueueBundle });
    const before = await burst(gw, 5);
    await until("the first records", () => postgresIds(url), (ids) => ids.length === 5);
    await postgres.pause();
    let during: string[];
    try {
      during = await burst(gw, 60);
      expect(await health(gw)).toMatchObject({ sink: "postgres", queued: 20, dropped: 40 });
    } finally {
      await postgres.resume();
    }
    const settled = await until("the queue to drain", () => health(gw), (h) => h.queued === 0 && h.state === "ok");
    const stored = await postgresIds(url);
    const sent = before.length + during.length;
    expect(settled.dropped).toBe(sent - stored.length);
    expect(settled.dropped).toBe(40);
    // What was kept is what was admitted first: the 20 oldest of the outage, in order.
    expect(stored.slice(0, 5).sort()).toEqual([...before].sort());
    expect(new Set(stored.slice(5)).size).toBe(20);
    for (const id of stored.slice(5)) expect(during).toContain(id);
    expect(gw.output()).toMatch(/request log sink postgres:.*: the queue is full; dropping records/);
  }, 60_000);
});

function oldEntry(id: string, time: number): LogEntry {
  return { id, time, keyId: null, route: "gpt-4o", model: "gpt-4o", status: 200, latencyMs: 1, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, line: JSON.stringify({ id, time: new Date(time).toISOString() }) };
}

describe("retention (logs.retention_days: 30), applied at start", () => {
  it("deletes old rows from SQLite", async () => {
    const file = path.join(tempDir(), "requests.db");
    const seed = new SqliteSink(file);
    await seed.open();
    await seed.write([oldEntry("old-1", Date.now() - 45 * DAY_MS), oldEntry("old-2", Date.now() - 31 * DAY_MS), oldEntry("recent", Date.now() - 29 * DAY_MS)]);
    await seed.close();
    const gw = await gateway(`sqlite:${file}`);
    await until("old rows to go", () => sqliteIds(file), (ids) => ids.length === 1);
    expect(sqliteIds(file)).toEqual(["recent"]);
    // The line is written once the delete has committed, so it can trail the rows' disappearance.
    await until("the retention line", () => gw.output(), (text) => /request log retention \(30 days\): deleted 2 records from sqlite:/.test(text));
  });

  it("deletes old rows from PostgreSQL", async () => {
    const url = await database("retention");
    const seed = new PostgresSink(url, "seed", () => {});
    await seed.open();
    await seed.write([oldEntry("old-1", Date.now() - 45 * DAY_MS), oldEntry("recent", Date.now() - DAY_MS)]);
    await seed.close();
    await gateway(url);
    await until("old rows to go", () => postgresIds(url), (ids) => ids.length === 1);
    expect(await postgresIds(url)).toEqual(["recent"]);
  });

  it("deletes whole JSONL files of days past the cutoff", async () => {
    const cwd = tempDir();
    mkdirSync(path.join(cwd, "logs"));
    const day = (ago: number) => new Date(Date.now() - ago * DAY_MS).toISOString().slice(0, 10);
    for (const name of [`requests-${day(40)}.jsonl`, `requests-${day(40)}.1.jsonl`, `requests-${day(32)}.jsonl`, `requests-${day(10)}.jsonl`]) {
      writeFileSync(path.join(cwd, "logs", name), "{}\n");
    }
    const gw = await gateway(null, { cwd });
    await until("old files to go", () => readdirSync(path.join(cwd, "logs")).length, (n) => n === 1);
    const answer = await chat(gw);
    await gw.waitForLogRecords(2);
    expect(readdirSync(path.join(cwd, "logs")).sort()).toEqual([`requests-${day(10)}.jsonl`, `requests-${day(0)}.jsonl`].sort());
    expect(gw.logRecords().map((r) => r.id)).toContain(answer.id);
  });
});

describe("redaction before anything is persisted", () => {
  const content = "I am alice@example.com, card 4111 1111 1111 1111, phone 555-1234, account ACME-654321, key sk-live-abcdefghijklmnopqrstuv, upstream " + OA_KEY + ", order 4111111111111112";
  // 555-1234 is only redacted where its rule's path points (the request's messages): the reply keeps it.
  const secrets = ["alice@example.com", "bob@example.com", "4111 1111 1111 1111", "ACME-654321", "ACME-123456", "abcdefghijklmnopqrstuv", OA_KEY, "carol"];

  async function send(gw: RunningGateway): Promise<string[]> {
    const plain = await chat(gw, { user: "carol", messages: [{ role: "user", content }] });
    const stream = await chat(gw, { stream: true, messages: [{ role: "user", content }] });
    expect([plain.status, stream.status]).toEqual([200, 200]);
    return [plain.id, stream.id];
  }

  function check(records: Array<Record<string, any>>, ids: string[]): void {
    const text = JSON.stringify(records);
    for (const secret of secrets) expect(text).not.toContain(secret);
    const [plain, stream] = ids.map((id) => records.find((r) => r.id === id)!);
    expect(plain!.request_body.user).toBe("[REDACTED]");
    expect(plain!.request_body.messages[0].content).toBe(
      "I am [REDACTED_EMAIL], card [REDACTED_CARD], phone [phone], account [account], key [REDACTED], upstream [REDACTED], order 4111111111111112",
    );
    expect(plain!.response_body.choices[0].message.content).toBe("Sure: write to [REDACTED_EMAIL], call 555-1234 about [account].");
    expect(stream!.response.text).toBe("Sure: write to [REDACTED_EMAIL], call 555-1234 about [account].");
  }

  it("in SQLite", async () => {
    const file = path.join(tempDir(), "requests.db");
    const gw = await gateway(`sqlite:${file}`);
    const ids = await send(gw);
    await gw.stop();
    const db = new Database(file, { readonly: true });
    const rows = db.prepare("SELECT record FROM request_log").all() as { record: string }[];
    db.close();
    check(rows.map((r) => JSON.parse(r.record)), ids);
  });

  it("in PostgreSQL", async () => {
    const url = await database("redaction");
    const gw = await gateway(url);
    const ids = await send(gw);
    await gw.stop();
    check((await postgresQuery<{ record: Record<string, any> }>(url, "SELECT record FROM request_log")).map((r) => r.record), ids);
  });

  it("in the JSONL files", async () => {
    const gw = await gateway(null);
    const ids = await send(gw);
    await gw.stop();
    check(readLogRecords(path.join(gw.cwd, "logs")), ids);
  });

  // Lines are finished in the request log's thread, which builds its own gateway: the admin key is known
  // to the event loop's thread only (read from the environment at start) and must reach the log's.
  it("of the admin key, which the event loop's thread registers", async () => {
    const adminKey = "admin-key-for-the-log-thread-0123456789";
    const gw = await gateway(null, { env: { SWITCHYARD_ADMIN_KEY: adminKey } });
    const answer = await chat(gw, { messages: [{ role: "user", content: `my admin key is ${adminKey}` }] });
    await gw.stop();
    const record = readLogRecords(path.join(gw.cwd, "logs")).find((r) => r.id === answer.id);
    expect(record?.request_body.messages[0].content).toBe("my admin key is [REDACTED]");
    expect(JSON.stringify(record)).not.toContain(adminKey);
  });
});

/** `switchyard …` as a user runs it, in `cwd`; stdout, failing the test on a non-zero exit. */
function cli(cwd: string, args: string[], env: Record<string, string> = {}): string {
  const result = spawnSync(process.execPath, [path.join(root, "bin/switchyard.mjs"), ...args], { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`switchyard ${args.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe.each([
  ["SQLite", async () => `sqlite:${path.join(tempDir(), "requests.db")}`],
  ["PostgreSQL", async () => database("cli")],
  ["JSONL", async () => null],
])("switchyard logs and usage read %s", (kind, makeSink) => {
  let gw: RunningGateway;
  let sink: string;
  const ids: { gpt4o: string[]; mini: string[]; failed: string } = { gpt4o: [], mini: [], failed: "" };

  beforeAll(async () => {
    const made = await makeSink();
    gw = await gateway(made);
    sink = made ?? `jsonl:${path.join(gw.cwd, "logs")}`;
    for (let i = 0; i < 3; i++) ids.gpt4o.push((await chat(gw, { messages: [{ role: "user", content: `call me at 555-000${i}` }] })).id);
    for (let i = 0; i < 2; i++) ids.mini.push((await chat(gw, { model: "gpt-4o-mini" })).id);
    oa.script({ kind: "error", status: 400, body: { error: { message: "bad request", type: "invalid_request_error" } } });
    const failed = await chat(gw, { model: "gpt-4o-mini" });
    expect(failed.status).toBe(400);
    ids.failed = failed.id;
    await until("every record", () => health(gw), (h) => h.queued === 0);
    if (made === null) await gw.waitForLogRecords(6);
  }, 60_000);

  it("logs tail: the latest requests, oldest first, filtered by model and status class", () => {
    const lines = (args: string[]) => cli(gw.cwd, ["logs", "tail", ...args, "--sink", sink, "--json"]).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
    expect(lines(["-n", "2"]).map((r) => r.id)).toEqual([ids.mini[1], ids.failed]);
    expect(lines([]).map((r) => r.id)).toEqual([...ids.gpt4o, ...ids.mini, ids.failed]);
    expect(lines(["--model", "gpt-4o-mini"]).map((r) => r.id)).toEqual([...ids.mini, ids.failed]);
    expect(lines(["--status", "4xx"]).map((r) => r.id)).toEqual([ids.failed]);
    expect(lines(["--status", "200", "--route", "gpt-4o"]).map((r) => r.id)).toEqual(ids.gpt4o);
    const human = cli(gw.cwd, ["logs", "tail", "-n", "1", "--sink", sink]);
    expect(human).toContain(ids.failed);
    expect(human).toMatch(/ 400 .*gpt-4o-mini → oa:gpt-4o-mini/);
  });

  it("logs show: one request with its attempts, timings and redacted bodies", () => {
    const out = cli(gw.cwd, ["logs", "show", ids.gpt4o[1]!, "--sink", sink]);
    expect(out).toContain(`${ids.gpt4o[1]}  `);
    expect(out).toMatch(/status 200 {2}[\d.]+ ms \(upstream [\d.]+ ms, first byte [\d.]+ ms\)/);
    expect(out).toContain("usage    10 input + 5 output tokens");
    expect(out).toMatch(/attempts\n {2}1\. oa:gpt-4o {2}200 {2}[\d.]+ ms/);
    expect(out).toContain('"content": "call me at [phone]"');
    expect(out).toContain("response body");
    const json = JSON.parse(cli(gw.cwd, ["logs", "show", ids.failed, "--sink", sink, "--json"]));
    expect(json).toMatchObject({ id: ids.failed, status: 400, model: "gpt-4o-mini" });
    const missing = spawnSync(process.execPath, [path.join(root, "bin/switchyard.mjs"), "logs", "show", "req_nope", "--sink", sink], { cwd: gw.cwd, encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no request "req_nope" in the request log');
  });

  it("usage: requests, tokens, cost, error rate and latency by model, key and day", () => {
    const byModel = JSON.parse(cli(gw.cwd, ["usage", "--by", "model", "--since", "1d", "--sink", sink, "--json"]));
    const model = (name: string) => byModel.groups.find((g: any) => g.group === name);
    expect(model("gpt-4o")).toMatchObject({ requests: 3, input_tokens: 30, output_tokens: 15, errors: 0, error_rate: 0 });
    expect(model("gpt-4o")!.cost_usd).toBeCloseTo(3 * (10 * 1 + 5 * 2) / 1e6, 12);
    expect(model("gpt-4o-mini")).toMatchObject({ requests: 3, input_tokens: 20, output_tokens: 10, errors: 1 });
    expect(model("gpt-4o-mini")!.error_rate).toBeCloseTo(1 / 3, 9);
    expect(model("gpt-4o")!.p95_ms).toBeGreaterThanOrEqual(model("gpt-4o")!.p50_ms);
    expect(byModel.total).toMatchObject({ requests: 6, errors: 1 });

    const byKey = JSON.parse(cli(gw.cwd, ["usage", "--by", "key", "--sink", sink, "--json"]));
    expect(byKey.groups).toMatchObject([{ group: null, requests: 6 }]);
    const byDay = JSON.parse(cli(gw.cwd, ["usage", "--by", "day", "--since", new Date().toISOString().slice(0, 10), "--sink", sink, "--json"]));
    expect(byDay.groups).toMatchObject([{ group: new Date().toISOString().slice(0, 10), requests: 6 }]);

    const table = cli(gw.cwd, ["usage", "--by", "model", "--sink", sink]).split("\n");
    expect(table[0]).toMatch(/^requests since \S+, by model$/);
    expect(table[1]).toMatch(/^MODEL\s+REQUESTS\s+INPUT TOKENS\s+OUTPUT TOKENS\s+COST\s+ERRORS\s+P50 MS\s+P95 MS$/);
    expect(table.find((l) => l.startsWith("gpt-4o-mini "))).toMatch(/^gpt-4o-mini\s+3\s+20\s+10\s+\$\S+\s+33\.3%\s+[\d.]+\s+[\d.]+$/);
    expect(table.find((l) => l.startsWith("total "))).toMatch(/^total\s+6\s+50\s+25\s/);
  });

  it(`reads the sink routes.yaml names (${kind}), its \${VAR}s from the shell`, () => {
    const config = path.join(root, "test/e2e/log-sinks.routes.yaml");
    const env: Record<string, string> = sink.startsWith("jsonl:") ? {} : { LOG_SINK: sink };
    const out = cli(gw.cwd, ["logs", "tail", "-n", "1", "--json", "--config", config], env);
    expect(JSON.parse(out).id).toBe(ids.failed);
  });

  it("logs tail --follow prints requests as they are logged", async () => {
    const child = spawn(process.execPath, [path.join(root, "bin/switchyard.mjs"), "logs", "tail", "-f", "-n", "1", "--interval", "100", "--json", "--sink", sink], { cwd: gw.cwd });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    try {
      await until("the last record", () => out, (o) => o.includes(ids.failed));
      const next = await chat(gw, { model: "gpt-4o-mini" });
      await until("the new record", () => out, (o) => o.includes(next.id));
      const printed = out.trim().split("\n").map((l) => JSON.parse(l).id);
      expect(printed).toEqual([ids.failed, next.id]);
    } finally {
      child.kill("SIGINT");
    }
    expect(await new Promise((resolve) => child.on("exit", (code) => resolve(code)))).toBe(0);
  });
});
