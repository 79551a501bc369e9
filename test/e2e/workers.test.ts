// `--workers 2` (what `switchyard serve` runs by default on this 2-core machine) through the built bundle:
// the e2e smoke set (plain, stream, translated, auth 401) on two processes sharing one port, connections
// actually spread over both (each log record names its worker), rate limits held across them by a real
// redis-server (exactly, and to within one lease for a limit large enough to be leased), /metrics summed over both, a killed worker restarted (and a slot that cannot restart
// stopping the gateway after a backoff, not a spin), a port in use and workers that cannot start refused
// with a non-zero exit, `switchyard serve`'s default of one worker per core, and SIGTERM draining both with
// every log line written, in JSONL files (shared by both processes), SQLite and PostgreSQL.
import { spawn } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import Database from "better-sqlite3";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, bundleEnv, bundleNode, logMessages, root, runnableBundle, startGateway, type RunningGateway } from "../support/gateway.ts";
import { refusedPort, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";
import { until } from "../support/wait.ts";
import { startPostgres, type PostgresServer } from "../support/postgres-server.ts";

const UPSTREAM_KEY = "sk-upstream-workers-0123456789abcdef";
const ADMIN_KEY = "admin-key-for-the-workers-test-0123456789";
const SLOW_CHUNKS = 10;
const SLOW_TEXT = Array.from({ length: SLOW_CHUNKS }, (_, i) => `t${i} `).join("");

let bundle: string;
let oa: MockUpstream;
let redis: RedisServer;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  // A request whose first message says "slow" gets a stream of 10 events 80 ms apart: long enough to be in
  // flight when SIGTERM arrives. Everything else gets the mock's normal answer.
  oa = await startMockUpstream({
    api: "openai",
    default: (request) => (String(request.json?.messages?.[0]?.content ?? "").startsWith("slow") ? { kind: "slowStream", chunks: SLOW_CHUNKS, intervalMs: 80 } : { kind: "reply" }),
  });
  redis = await startRedisServer();
  ({ bundle } = await buildCase("workers", "test/e2e/workers.routes.yaml"));
}, 120_000);
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
  await oa?.close();
  await redis?.stop();
});

function baseEnv(cwd: string, env: Record<string, string>): Record<string, string> {
  return { OA_URL: oa.url, UPSTREAM_KEY, SWITCHYARD_ADMIN_KEY: ADMIN_KEY, SWITCHYARD_STORE: `sqlite:${path.join(cwd, "store.db")}`, ...env };
}

async function gateway(env: Record<string, string> = {}, workers = "2"): Promise<RunningGateway> {
  const cwd = mkdtempSync(path.join(tmpdir(), "switchyard-workers-"));
  const gw = await startGateway(bundle, baseEnv(cwd, env), { cwd, args: ["--workers", workers] });
  gateways.push(gw);
  return gw;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request on a connection of its own: the kernel hands each new connection to one of the listening workers. */
function send(port: number, urlPath: string, body: object | null, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === null ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method: payload === undefined ? "GET" : "POST",
        agent: false,
        headers: { ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }), ...headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function chat(gw: RunningGateway, key: string, model: string, content: string, extra: object = {}): Promise<Answer> {
  return send(gw.port, "/v1/chat/completions", { model, messages: [{ role: "user", content }], ...extra }, { authorization: `Bearer ${key}` });
}

/**
 * A new client key, once both workers accept it: each process reloads the store's keys about every second,
 * so the worker that did not create it learns of it then (as another instance would).
 */
async function createKey(gw: RunningGateway): Promise<string> {
  const res = await send(gw.port, "/admin/keys", { name: "workers-test" }, { authorization: `Bearer ${ADMIN_KEY}` });
  expect(res.status).toBe(201);
  const key = JSON.parse(res.text).key as string;
  let accepted = 0;
  await until("both workers to know the new key", async () => (await send(gw.port, "/v1/models", null, { authorization: `Bearer ${key}` })).status, (status) => {
    accepted = status === 200 ? accepted + 1 : 0;
    return accepted === 12;
  });
  return key;
}

async function scrape(gw: RunningGateway): Promise<string> {
  const res = await send(gw.port, "/metrics", null, { authorization: `Bearer ${ADMIN_KEY}` });
  expect(res.status).toBe(200);
  return res.text;
}

/** The sum of a metric's samples whose labels include every pair of `labels`. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const space = line.lastIndexOf(" ");
    const labelText = line.slice(name.length, space);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(line.slice(space + 1));
  }
  return sum;
}

/** Worker slot → pid, from the workers' "worker N (pid P) serving" lines (the latest per slot). */
function workerPids(gw: RunningGateway): Map<number, number> {
  const pids = new Map<number, number>();
  for (const match of logMessages(gw.output()).matchAll(/worker (\d+) \(pid (\d+)\) serving/g)) pids.set(Number(match[1]), Number(match[2]));
  return pids;
}

/** The content of the first user message of a logged request (bodies are logged). */
function contentOf(record: Record<string, any>): string {
  const body = record.request_body;
  return typeof body === "object" && body !== null ? String(body.messages?.[0]?.content ?? "") : "";
}

/** Runs the bundle expecting it to exit at start; its exit code and output. */
function runToExit(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const cwd = mkdtempSync(path.join(tmpdir(), "switchyard-workers-"));
    const child = spawn(bundleNode, [runnableBundle(bundle), "--host", "127.0.0.1", ...args], { cwd, env: { PATH: process.env.PATH ?? "", ...bundleEnv(), ...baseEnv(cwd, env) }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output: logMessages(output) });
    });
  });
}

describe("two workers on one port", () => {
  let gw: RunningGateway;
  let key: string;

  beforeAll(async () => {
    gw = await gateway({ REDIS_URL: redis.url });
    key = await createKey(gw);
  }, 60_000);

  it("start as two processes and say they listen once both do", () => {
    const said = logMessages(gw.output());
    expect(said).toContain(`listening on http://127.0.0.1:${gw.port} with 2 workers`);
    const pids = workerPids(gw);
    expect([...pids.keys()].sort()).toEqual([1, 2]);
    expect(new Set([...pids.values(), gw.process.pid]).size).toBe(3);
    // The configuration is said once, by worker 1, not once per worker.
    expect(said.match(/client keys required/g)).toHaveLength(1);
  });

  it("refuse a request without a key with 401, in each client's format", async () => {
    const openai = await send(gw.port, "/v1/chat/completions", { model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(openai.status).toBe(401);
    expect(JSON.parse(openai.text).error).toMatchObject({ type: "authentication_error" });
    const anthropic = await send(gw.port, "/v1/messages", { model: "claude-on-openai", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { "anthropic-version": "2023-06-01" });
    expect(anthropic.status).toBe(401);
    expect(JSON.parse(anthropic.text)).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("answer plain, streamed and translated requests through the SDKs", async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    const stream = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe("Hello from the mock upstream.");
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: "claude-on-openai", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    expect(message.content[0]).toMatchObject({ type: "text", text: "Hello from the mock upstream." });
    const streamed = await anthropic.messages.stream({ model: "claude-on-openai", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }).finalText();
    expect(streamed).toBe("Hello from the mock upstream.");
  });

  it("spread connections over both workers, and /metrics counts every worker's requests", async () => {
    const before = metric(await scrape(gw), "switchyard_requests_total", { route: "fast", status_class: "2xx" });
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await chat(gw, key, "fast", `spread ${i}`));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    const records = await until("30 spread records", () => gw.logRecords().filter((r) => contentOf(r).startsWith("spread ")), (r) => r.length === 30);
    // 30 connections all landing on one worker would be a 1 in 2^29 chance: both must have served some.
    expect(new Set(records.map((r) => r.worker))).toEqual(new Set([1, 2]));
    const text = await scrape(gw);
    expect(metric(text, "switchyard_requests_total", { route: "fast", status_class: "2xx" }) - before).toBe(30);
    expect(metric(text, "switchyard_workers")).toBe(2);
    // Histograms are summed bucket by bucket: the +Inf bucket counts what the counter does.
    expect(metric(text, "switchyard_request_duration_seconds_count", { route: "fast", status_class: "2xx" })).toBe(metric(text, "switchyard_requests_total", { route: "fast", status_class: "2xx" }));
  });

  it("hold a rate limit across both workers through Redis", async () => {
    const statuses = [];
    for (let i = 0; i < 16; i++) statuses.push((await chat(gw, key, "shared", `limited ${i}`)).status);
    // 10 a minute for the key, whichever worker each connection reached.
    expect(statuses.filter((s) => s === 200), logMessages(gw.output())).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    const records = await until("16 limited records", () => gw.logRecords().filter((r) => contentOf(r).startsWith("limited ")), (r) => r.length === 16);
    expect(new Set(records.map((r) => r.worker))).toEqual(new Set([1, 2]));
    expect(metric(await scrape(gw), "switchyard_rate_limited_total", { route: "shared" })).toBe(6);
  });

  it("hold a leased limit across both workers: the limit in total, not per worker, to within one lease", async () => {
    // 200 a minute: each worker leases up to floor(0.1 × 200) = 20 units and admits from its lease without a
    // round trip. 300 requests, 25 at a time on connections of their own, so both workers take part.
    const limit = 200;
    const lease = 20;
    const started = performance.now();
    const answers: Answer[] = [];
    for (let batch = 0; batch < 300; batch += 25) {
      answers.push(...(await Promise.all(Array.from({ length: 25 }, (_, i) => chat(gw, key, "leased", `leased ${batch + i}`)))));
    }
    const elapsedMs = performance.now() - started;
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([]);
    const allowed = answers.filter((a) => a.status === 200).length;
    // A fresh bucket: nothing was leased before the first request, so the fleet admits no more than the
    // bucket holds plus what it refills (200 a minute) while the test runs. Per-worker buckets would admit 400.
    expect(allowed, logMessages(gw.output())).toBeLessThanOrEqual(limit + Math.ceil((elapsedMs * limit) / 60_000));
    // Units one worker holds are not the other's until spent or returned: at most one lease refused early.
    expect(allowed).toBeGreaterThanOrEqual(limit - lease);
    const refused = answers.find((a) => a.status === 429)!;
    expect(JSON.parse(refused.text).error).toMatchObject({ code: "rate_limit_exceeded" });
    const records = await until("300 leased records", () => gw.logRecords().filter((r) => contentOf(r).startsWith("leased ")), (r) => r.length === 300);
    // Both workers admitted and both refused: the total above is theirs together.
    for (const worker of [1, 2]) {
      expect(records.filter((r) => r.worker === worker && r.status === 200).length, `worker ${worker} admitted`).toBeGreaterThan(0);
      expect(records.filter((r) => r.worker === worker && r.status === 429).length, `worker ${worker} refused`).toBeGreaterThan(0);
    }
    expect(metric(await scrape(gw), "switchyard_rate_limited_total", { route: "leased" })).toBe(300 - allowed);
  });

  it("write whole JSONL lines from both processes into the same files: none torn, none lost", async () => {
    const n = 200;
    const padding = "x".repeat(6000);
    for (let batch = 0; batch < n; batch += 50) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => chat(gw, key, "fast", `bulk ${batch + i} ${padding}`)));
      expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    }
    await until("the bulk records", () => gw.logRecords().filter((r) => contentOf(r).startsWith("bulk ")).length, (count) => count === n);
    const dir = path.join(gw.cwd, "logs");
    const lines = readdirSync(dir)
      .filter((f) => f.endsWith(".jsonl"))
      .flatMap((f) => readFileSync(path.join(dir, f), "utf8").split("\n"))
      .filter(Boolean);
    // Every line is one whole record (JSON.parse would throw on a torn one), each request exactly once.
    const records = lines.map((line) => JSON.parse(line) as Record<string, any>);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    const bulk = records.filter((r) => contentOf(r).startsWith("bulk "));
    expect(bulk).toHaveLength(n);
    expect(new Set(bulk.map((r) => r.worker))).toEqual(new Set([1, 2]));
  });

  it("refuse a second gateway on the same port, with workers or without", async () => {
    const pool = await runToExit(["--port", String(gw.port), "--workers", "2"], {});
    expect(pool.code).toBe(1);
    expect(pool.output).toContain(`cannot start: 127.0.0.1:${gw.port} is already in use`);
    const single = await runToExit(["--port", String(gw.port)], {});
    expect(single.code).toBe(1);
    expect(single.output).toContain(`cannot start: 127.0.0.1:${gw.port} is already in use`);
  });

  it("restart a worker that dies, and keep serving on both", async () => {
    const old = workerPids(gw).get(2)!;
    process.kill(old, "SIGKILL");
    await until("worker 2 to be restarted", () => workerPids(gw).get(2), (pid) => pid !== undefined && pid !== old);
    await until("the restart to be announced", () => logMessages(gw.output()), (said) => said.includes("worker 2 restarted"));
    expect(logMessages(gw.output())).toMatch(/worker 2 \(pid \d+\) exited \(signal SIGKILL\); restarting in 100 ms/);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await chat(gw, key, "fast", `after restart ${i}`));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    const records = await until("20 records after the restart", () => gw.logRecords().filter((r) => contentOf(r).startsWith("after restart ")), (r) => r.length === 20);
    expect(new Set(records.map((r) => r.worker))).toEqual(new Set([1, 2]));
    const text = await scrape(gw);
    expect(metric(text, "switchyard_worker_restarts_total")).toBe(1);
    expect(metric(text, "switchyard_workers")).toBe(2);
  });

  it("drain both workers on SIGTERM: in-flight streams finish, every log line is written, exit 0", async () => {
    const n = 16;
    const seen = oa.requests.length;
    const streams = Array.from({ length: n }, (_, i) => chat(gw, key, "fast", `slow ${i}`, { stream: true }));
    await oa.waitForRequests(seen + n, 10_000);
    const exited = gw.stop("SIGTERM");
    const answers = await Promise.all(streams);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const text = answer.text
        .split("\n")
        .filter((line) => line.startsWith("data: {"))
        .map((line) => JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? "")
        .join("");
      expect(text).toBe(SLOW_TEXT);
      expect(answer.text).toContain("data: [DONE]");
    }
    expect(await exited).toBe(0);
    const records = gw.logRecords().filter((r) => contentOf(r).startsWith("slow "));
    expect(records).toHaveLength(n);
    expect(records.every((r) => r.status === 200 && r.stream === true)).toBe(true);
    // Both workers had streams in flight (16 connections on one worker: a 1 in 2^15 chance), and both drained.
    expect(new Set(records.map((r) => r.worker))).toEqual(new Set([1, 2]));
    const said = logMessages(gw.output());
    expect(said).toContain("SIGTERM: draining 2 workers");
    expect(said.match(/SIGTERM: draining in-flight requests/g)).toHaveLength(2);
  });
});

describe("starting", () => {
  it("warns that rate limits are per worker when there is no redis:", async () => {
    const gw = await gateway();
    try {
      expect(logMessages(gw.output())).toContain("routes.yaml has rate limits but no redis: each of the 2 workers keeps its own buckets, so clients get up to 2 times each limit");
    } finally {
      const code = await gw.stop();
      expect(code, logMessages(gw.output())).toBe(0);
    }
  });

  it("exits 1 when the workers cannot start, instead of restarting them forever", async () => {
    // The store is opened by each worker: an unreachable PostgreSQL fails them all before they listen.
    const port = await refusedPort();
    const result = await runToExit(["--port", "0", "--workers", "2"], { SWITCHYARD_STORE: `postgres://postgres@127.0.0.1:${port}/switchyard` });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/cannot start: worker [12] exited \(code 1\) before listening/);
    expect(result.output).not.toContain("listening on");
  });

  it("rejects a --workers that is not a count", async () => {
    const result = await runToExit(["--port", "0", "--workers", "two"], {});
    expect(result.code).toBe(1);
    expect(result.output).toContain('cannot start: --workers "two" is not a number of processes from 1 to 1024, or auto');
  });
});

describe("switchyard serve", () => {
  it("runs one worker per core by default, each serving, and stops them all on SIGTERM", async () => {
    // `serve` runs dist/<env>/server.mjs of the current directory, as a user's folder has it after
    // `switchyard build`: the fixture's bundle, with the package's node_modules for its native addon.
    const env = "workers-serve-test";
    const cwd = mkdtempSync(path.join(tmpdir(), "switchyard-workers-"));
    const dist = path.join(cwd, "dist", env);
    mkdirSync(dist, { recursive: true });
    copyFileSync(bundle, path.join(dist, "server.mjs"));
    symlinkSync(path.join(root, "node_modules"), path.join(cwd, "node_modules"));
    const child = spawn(process.execPath, [path.join(root, "bin/switchyard.mjs"), "serve", "--env", env, "--host", "127.0.0.1", "--port", "0"], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...baseEnv(cwd, { REDIS_URL: redis.url }) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const cores = availableParallelism();
      // Each worker says it serves on the shared stdout, which may come after the supervisor's line: wait for all.
      const serving = (text: string) => (text.match(/worker \d+ \(pid \d+\) serving/g) ?? []).length;
      const said = await until(
        "serve to listen with every worker serving",
        () => logMessages(output),
        (text) => (/listening on http:\/\/127\.0\.0\.1:\d+/.test(text) && serving(text) >= cores) || child.exitCode !== null,
        60_000,
      );
      const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(said)![1]);
      // `serve` supervises even one worker, so that it can reload (docs/operating.md).
      expect(said).toContain(`listening on http://127.0.0.1:${port} with ${cores} worker${cores === 1 ? "" : "s"}`);
      expect(serving(said)).toBe(cores);
      const health = await send(port, "/health", null);
      expect(health.status).toBe(200);
      // It watches the bundle: a rebuild (here the same bundle written again, renamed over) is a reload.
      copyFileSync(bundle, path.join(dist, "server.tmp.mjs"));
      renameSync(path.join(dist, "server.tmp.mjs"), path.join(dist, "server.mjs"));
      await until("the reload", () => logMessages(output), (text) => text.includes("reloaded (the bundle changed): generation 2") || child.exitCode !== null, 60_000);
      expect(logMessages(output)).toContain(`reloaded (the bundle changed): generation 2 serving http://127.0.0.1:${port}`);
      expect((await send(port, "/health", null)).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited, logMessages(output)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 90_000);
});

describe("two workers on SQLite and PostgreSQL", () => {
  let postgres: PostgresServer;
  beforeAll(async () => {
    postgres = await startPostgres();
  }, 120_000);
  afterAll(() => postgres?.stop());

  /** `n` concurrent requests on their own connections, then SIGTERM at once: every record must reach the sink. */
  async function burstThenStop(gw: RunningGateway, n: number): Promise<string[]> {
    const key = await createKey(gw);
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => chat(gw, key, "fast", `sink ${i}`)));
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(await gw.stop("SIGTERM")).toBe(0);
    return answers.map((a) => String(a.headers["x-switchyard-request-id"]));
  }

  it("SQLite: every record from both processes, once", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "switchyard-workers-")), "requests.db");
    const gw = await gateway({ REDIS_URL: redis.url, LOG_SINK: `sqlite:${file}` });
    const ids = await burstThenStop(gw, 100);
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare("SELECT id, record FROM request_log").all() as { id: string; record: string }[];
      const sink = rows.filter((r) => contentOf(JSON.parse(r.record)).startsWith("sink "));
      expect(sink.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(new Set(sink.map((r) => JSON.parse(r.record).worker))).toEqual(new Set([1, 2]));
    } finally {
      db.close();
    }
  });

  it("a slot whose restarts cannot start five times in a row stops the gateway with exit 1", async () => {
    // The store in PostgreSQL: once it is down, a restarted worker cannot open it and exits before listening.
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query("CREATE DATABASE workers_store");
    await admin.end();
    const gw = await gateway({ REDIS_URL: redis.url, SWITCHYARD_STORE: postgres.urlOf("workers_store") });
    await postgres.pause();
    try {
      process.kill(workerPids(gw).get(1)!, "SIGKILL");
      const code = await new Promise<number | null>((resolve) => (gw.process.exitCode !== null ? resolve(gw.process.exitCode) : gw.process.once("exit", resolve)));
      const said = logMessages(gw.output());
      expect(code, said).toBe(1);
      // 100, 200, 400, 800 and 1600 ms apart: the backoff, not a spin.
      expect(said.match(/worker 1 \(pid \d+\) exited \([^)]*\); restarting in \d+ ms/g)).toHaveLength(5);
      expect(said).toContain("worker 1 exited (code 1) before listening 5 times in a row; stopping");
    } finally {
      await postgres.resume();
    }
  }, 60_000);

  it("PostgreSQL: every record from both processes, once", async () => {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query("CREATE DATABASE workers_log");
    await admin.end();
    const url = postgres.urlOf("workers_log");
    const gw = await gateway({ REDIS_URL: redis.url, LOG_SINK: url });
    const ids = await burstThenStop(gw, 100);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const rows = (await client.query<{ id: string; record: any }>("SELECT id, record FROM request_log")).rows;
      const sink = rows.filter((r) => contentOf(r.record).startsWith("sink "));
      expect(sink.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(new Set(sink.map((r) => r.record.worker))).toEqual(new Set([1, 2]));
    } finally {
      await client.end();
    }
  });
});
