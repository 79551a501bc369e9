// The request log's sinks on real storage: a SQLite file (written from the sink's worker thread) and a real
// PostgreSQL server. Every record lands once with its columns and JSON, an outage (a write lock held by
// another connection, a stopped server) is retried until it ends without losing a record, and retention
// deletes what is older than its cutoff: rows, and whole JSONL files.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRequestId, type RequestLogRecord } from "../../../runtime/log/request-log.ts";
import { openRequestLog } from "../../../runtime/log/writer.ts";
import { JsonlSink } from "../../../runtime/log/sinks/jsonl.ts";
import { SqliteSink } from "../../../runtime/log/sinks/sqlite.ts";
import { PostgresSink } from "../../../runtime/log/sinks/postgres.ts";
import { parseSink } from "../../../runtime/log/sinks/open.ts";
import type { LogEntry } from "../../../runtime/log/sinks/types.ts";
import { startPostgres, type PostgresServer } from "../../support/postgres-server.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "switchyard-sinks-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function record(i: number, overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    id: newRequestId(),
    time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5) + i).toISOString(),
    trace_id: "4bf92f3577b34da6a3ce929d0e0e4736",
    key_id: i % 2 === 0 ? "key_even" : null,
    client_ip: "127.0.0.1",
    route: "gpt-4o",
    api: "openai",
    path: "/v1/chat/completions",
    model: "gpt-4o",
    stream: false,
    attempts: [{ provider: "openai", model: "gpt-4o", status: 200, latency_ms: 10 + i }],
    status: i % 5 === 0 ? 502 : 200,
    latency_ms: 12.5 + i,
    upstream_latency_ms: 10,
    ttfb_ms: 9,
    usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, input_tokens: 7, output_tokens: 3, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    cost_usd: 0.001,
    request_body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: `hello ${i}` }] }),
    ...overrides,
  };
}

function entry(id: string, time: number): LogEntry {
  return { id, time, keyId: null, route: "r", model: "m", status: 200, latencyMs: 1, inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, line: JSON.stringify({ id }) };
}

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("parseSink", () => {
  it("accepts jsonl, sqlite:PATH and postgres urls, and says what it accepts otherwise", () => {
    expect(parseSink("jsonl", "logs")).toEqual({ kind: "jsonl", dir: "logs" });
    expect(parseSink("jsonl:/var/log/sy", "logs")).toEqual({ kind: "jsonl", dir: "/var/log/sy" });
    expect(parseSink("sqlite:data/log.db", "logs")).toEqual({ kind: "sqlite", file: join(process.cwd(), "data/log.db") });
    expect(parseSink("postgres://u:secret@db:5432/x", "logs")).toEqual({ kind: "postgres", url: "postgres://u:secret@db:5432/x", where: "postgres://u:***@db:5432/x" });
    expect(() => parseSink("mysql://u:secret@db/x", "logs")).toThrow('logs.sink "mysql://u:***@db/x" is not one Switchyard can write: expected jsonl');
    expect(() => parseSink("sqlite::memory:", "logs")).toThrow(/expected/);
  });
});

describe("SQLite sink", () => {
  it("holds every record once, with its columns and its JSON", async () => {
    const file = join(dir, "burst.db");
    const log = openRequestLog({ dir, maxSizeBytes: 0, bodies: true, sink: `sqlite:${file}` });
    await log.start();
    const written = Array.from({ length: 500 }, (_, i) => record(i));
    for (const r of written) log.write(r);
    await log.close();
    const db = new Database(file, { readonly: true });
    const rows = db.prepare("SELECT * FROM request_log ORDER BY seq").all() as any[];
    db.close();
    expect(rows.map((r) => r.id)).toEqual(written.map((r) => r.id));
    expect(rows[5]).toMatchObject({ time: Date.UTC(2026, 0, 2, 3, 4, 5) + 5, key_id: null, route: "gpt-4o", model: "gpt-4o", status: 502, latency_ms: 17.5, input_tokens: 7, output_tokens: 3, cost_usd: 0.001 });
    expect(JSON.parse(rows[5].record)).toMatchObject({ id: written[5]!.id, request_body: { messages: [{ content: "hello 5" }] } });
    expect(log.health()).toEqual({ sink: "sqlite", queued: 0, dropped: 0, state: "ok" });
  });

  it("rides out a write lock held by another connection for longer than its busy wait, losing nothing", async () => {
    const file = join(dir, "locked.db");
    const reports: string[] = [];
    const log = openRequestLog({ dir, maxSizeBytes: 0, bodies: true, sink: `sqlite:${file}` }, { report: (m) => reports.push(m), retryBaseMs: 100, retryMaxMs: 500 });
    await log.start();
    const blocker = new Database(file);
    blocker.exec("BEGIN EXCLUSIVE");
    const written = Array.from({ length: 50 }, (_, i) => record(i));
    const started = performance.now();
    for (const r of written) log.write(r);
    // write() never waits on the sink: 50 records queue in well under the worker's 2 s busy wait.
    expect(performance.now() - started).toBeLessThan(200);
    await until(() => log.health().state === "retrying");
    blocker.exec("COMMIT");
    blocker.close();
    await until(() => log.health().queued === 0 && log.health().state === "ok");
    await log.close();
    const db = new Database(file, { readonly: true });
    expect((db.prepare("SELECT count(*) AS n FROM request_log").get() as { n: number }).n).toBe(50);
    db.close();
    expect(log.dropped()).toBe(0);
    expect(reports[0]).toMatch(/failed: database is locked; retrying/);
    expect(reports.at(-1)).toMatch(/recovered after [\d.]+ s; 0 records dropped meanwhile/);
  });

  it("deletes records older than the cutoff, in chunks", async () => {
    const sink = new SqliteSink(join(dir, "retention.db"));
    await sink.open();
    const now = Date.now();
    const entries = Array.from({ length: 12_000 }, (_, i) => entry(`old${i}`, now - 40 * 86_400_000 + i));
    await sink.write(entries);
    await sink.write([entry("new1", now - 86_400_000), entry("new2", now)]);
    expect(await sink.deleteBefore(now - 30 * 86_400_000)).toBe(12_000);
    await sink.close();
    const db = new Database(join(dir, "retention.db"), { readonly: true });
    expect((db.prepare("SELECT id FROM request_log ORDER BY seq").all() as { id: string }[]).map((r) => r.id)).toEqual(["new1", "new2"]);
    db.close();
  });

  it("stores a retried batch once", async () => {
    const sink = new SqliteSink(join(dir, "retry.db"));
    await sink.open();
    await sink.write([entry("a", 1), entry("b", 2)]);
    await sink.write([entry("b", 2), entry("c", 3)]);
    await sink.close();
    const db = new Database(join(dir, "retry.db"), { readonly: true });
    expect((db.prepare("SELECT id FROM request_log ORDER BY seq").all() as { id: string }[]).map((r) => r.id)).toEqual(["a", "b", "c"]);
    db.close();
  });
});

describe("JSONL sink retention", () => {
  it("deletes whole daily files once their day is past the cutoff", async () => {
    const logs = join(dir, "jsonl-retention");
    const sink = new JsonlSink(logs, 1 << 20);
    await sink.write([entry("x", Date.now())]);
    const today = new Date().toISOString().slice(0, 10);
    for (const name of ["requests-2020-01-01.jsonl", "requests-2020-01-01.1.jsonl", "requests-2020-01-02.jsonl", "notes.txt"]) await writeFile(join(logs, name), "{}\n");
    // The cutoff falls inside 2020-01-02: that day's file may still hold newer records and stays.
    expect(await sink.deleteBefore(Date.parse("2020-01-02T12:00:00Z"))).toBe(2);
    expect((await readdir(logs)).sort()).toEqual(["notes.txt", "requests-2020-01-02.jsonl", `requests-${today}.jsonl`]);
    expect(await sink.deleteBefore(Date.now() - 86_400_000)).toBe(1);
    expect((await readdir(logs)).sort()).toEqual(["notes.txt", `requests-${today}.jsonl`]);
    await sink.close();
    expect(await new JsonlSink(join(dir, "absent"), 1).deleteBefore(Date.now())).toBe(0);
  });
});

describe("PostgreSQL sink", () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], database = "postgres"): Promise<T[]> {
    const client = new pg.Client({ connectionString: server.urlOf(database) });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  it("holds every record once as jsonb, each batch one INSERT", async () => {
    await query("CREATE DATABASE burst");
    const url = server.urlOf("burst");
    const log = openRequestLog({ dir, maxSizeBytes: 0, bodies: true, sink: url });
    await log.start();
    const written = Array.from({ length: 500 }, (_, i) => record(i));
    for (const r of written) log.write(r);
    await log.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const rows = (await client.query("SELECT id, time, status, key_id, input_tokens, record FROM request_log ORDER BY seq")).rows;
    const migrations = (await client.query("SELECT version FROM request_log_migrations")).rows;
    await client.end();
    expect(rows.map((r) => r.id)).toEqual(written.map((r) => r.id));
    expect(rows[5]).toMatchObject({ time: new Date(written[5]!.time), status: 502, key_id: null, input_tokens: "7" });
    expect(rows[5].record).toMatchObject({ id: written[5]!.id, request_body: { messages: [{ content: "hello 5" }] } });
    expect(migrations).toEqual([{ version: 1 }]);
  });

  it("keeps a record whose body spells U+0000, which jsonb refuses, and drops only a record it cannot store", async () => {
    await query("CREATE DATABASE nul");
    const url = server.urlOf("nul");
    const reports: string[] = [];
    const log = openRequestLog({ dir, maxSizeBytes: 0, bodies: true, sink: url }, { report: (m) => reports.push(m) });
    await log.start();
    const nul = record(1, { request_body: '{"content":"a\\u0000b","path":"C:\\\\u0000"}' });
    // Valid JSON (JavaScript takes it), but jsonb refuses a lone surrogate: the batch fails as a data error.
    const lone = record(2, { request_body: '{"content":"\\ud800"}' });
    const fine = [record(3), record(4)];
    log.write(fine[0]!);
    log.write(nul);
    log.write(lone);
    log.write(fine[1]!);
    await log.close();
    const rows = await query<{ id: string; body: unknown }>("SELECT id, record->'request_body' AS body FROM request_log ORDER BY seq", [], "nul");
    expect(rows.map((r) => r.id)).toEqual([fine[0]!.id, nul.id, fine[1]!.id]);
    expect(rows[1]!.body).toEqual({ content: "a\ufffdb", path: "C:\\u0000" });
    expect(log.dropped()).toBe(1);
    expect(reports).toEqual([expect.stringMatching(new RegExp(`record ${lone.id} refused and dropped: invalid input syntax for type json`))]);
  });

  it("rides out the server stopping for a while, losing nothing, and says so", async () => {
    await query("CREATE DATABASE outage");
    const url = server.urlOf("outage");
    const reports: string[] = [];
    const log = openRequestLog({ dir, maxSizeBytes: 0, bodies: true, sink: url }, { report: (m) => reports.push(m), retryBaseMs: 100, retryMaxMs: 1000 });
    await log.start();
    const before = Array.from({ length: 20 }, (_, i) => record(i));
    for (const r of before) log.write(r);
    await until(() => log.health().queued === 0);
    await server.pause();
    const during = Array.from({ length: 40 }, (_, i) => record(100 + i));
    for (const r of during) log.write(r);
    await until(() => log.health().state === "retrying");
    await new Promise((r) => setTimeout(r, 1500));
    expect(log.health()).toMatchObject({ queued: 40, dropped: 0, state: "retrying" });
    await server.resume();
    await until(() => log.health().state === "ok" && log.health().queued === 0);
    await log.close();
    const rows = await query<{ n: string }>("SELECT count(*) AS n FROM request_log", [], "outage");
    expect(Number(rows[0]!.n)).toBe(60);
    expect(reports.find((m) => m.includes("failed"))).toMatch(/request log sink postgres:\/\/postgres@127\.0\.0\.1:\d+\/outage failed: .*; retrying with backoff/);
    expect(reports.at(-1)).toMatch(/recovered after [\d.]+ s; 0 records dropped meanwhile/);
  });

  it("deletes records older than the cutoff", async () => {
    await query("CREATE DATABASE retention");
    const sink = new PostgresSink(server.urlOf("retention"), "retention", () => {});
    await sink.open();
    const now = Date.now();
    await sink.write([entry("old1", now - 40 * 86_400_000), entry("old2", now - 31 * 86_400_000), entry("new", now)]);
    expect(await sink.deleteBefore(now - 30 * 86_400_000)).toBe(2);
    await sink.close();
    expect(await query("SELECT id FROM request_log", [], "retention")).toEqual([{ id: "new" }]);
  });
});
