// `make soak` driver (bench/soak.sh builds the bundle first): SOAK_MINUTES (10) of mixed load through one
// gateway process while its loopback upstreams inject faults, to show that nothing accumulates.
//   load   SOAK_CONCURRENCY (8) client loops, each request one of: plain, streamed, translated (OpenAI client,
//          Anthropic upstream, half streamed), Anthropic pass-through, or a stream the client abandons after
//          its first event
//   faults every minute a 5 s storm of 429s (with Retry-After) from both upstreams; otherwise, per request,
//          resets before the answer and mid-stream, stalls past idle_ms, hangs past first_byte_ms, 500s
// Every 30 s and at the end it prints RSS and heap in use (after a full GC in the gateway, bench/soak-probe.mjs)
// with their slope after warm-up, open file descriptors against the baseline taken before any load, requests
// sent against request-log lines, and the clients' outcomes by kind. At the end it stops the load, lets the
// connections go idle and checks: log lines = requests sent, fds back to baseline.
// Usage: npx tsx bench/soak.ts BUNDLE   (SOAK_MINUTES, SOAK_CONCURRENCY, SOAK_WARMUP_S, SOAK_REPORT_S; SOAK_KEEP=1
// keeps the gateway's folder with its request log and the probe's samples)
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startMockUpstream, type Behaviour, type MockUpstream } from "../test/support/mock-upstream.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bundle = path.resolve(process.argv[2] ?? "bench/.work/soak/dist/soak/server.mjs");
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
/** Samples before this are warm-up (pools filling, V8 tiering up, the log's first file): not in the slopes. */
const WARMUP_S = Number(process.env.SOAK_WARMUP_S ?? Math.min(60, MINUTES * 6));
const REPORT_S = Number(process.env.SOAK_REPORT_S ?? 30);
/** A client gives up on a request after this long (no request should take it: every fault ends in seconds). */
const CLIENT_TIMEOUT_MS = 30_000;

// ---- faults ----

/** True for 5 s of every minute of the run (from 30 s in, after warm-up): both upstreams answer 429 to everything. */
let started = 0;
const inStorm = () => ((Date.now() - started) / 1000) % 60 >= 30 && ((Date.now() - started) / 1000) % 60 < 35;

function fault(stream: boolean): Behaviour {
  if (inStorm()) return { kind: "error", status: 429, headers: { "retry-after": "1" } };
  const r = Math.random();
  if (r < 0.03) return { kind: "reset" };
  if (r < 0.06) return stream ? { kind: "reset", afterEvents: 2 } : { kind: "error", status: 500 };
  if (r < 0.08) return { kind: "stall", afterEvents: 1, stallMs: 1500 };
  if (r < 0.09) return { kind: "hang" };
  if (r < 0.11) return { kind: "error", status: 503 };
  return { kind: "reply" };
}

// ---- the gateway ----

interface Gateway {
  pid: number;
  port: number;
  cwd: string;
  probeFile: string;
  output: () => string;
  stop: () => Promise<void>;
}

async function startGateway(upstreams: { oa: MockUpstream; an: MockUpstream }): Promise<Gateway> {
  const cwd = mkdtempSync(path.join(tmpdir(), "switchyard-soak-"));
  const probeFile = path.join(cwd, "probe.jsonl");
  const child = spawn(process.execPath, ["--expose-gc", "--import", path.join(root, "bench/soak-probe.mjs"), bundle, "--host", "127.0.0.1", "--port", "0"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", SOAK_KEY: "sk-soak-0123456789abcdefghij", OA_URL: upstreams.oa.url, AN_URL: upstreams.an.url, SOAK_PROBE_FILE: probeFile },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 20_000);
    child.stdout.on("data", () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.on("exit", (code) => reject(new Error(`gateway exited with ${code}:\n${output}`)));
  });
  return {
    pid: child.pid!,
    port,
    cwd,
    probeFile,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

interface MemorySample { t: number; thread: string; rss: number; heapUsed: number }
/** The probe's samples of one thread ("main", or "worker-N": the request log's writer thread). */
function memorySamples(file: string, thread = "main"): MemorySample[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as MemorySample).filter((s) => s.thread === thread);
  } catch {
    return [];
  }
}
function otherThreads(file: string): string[] {
  try {
    const threads = readFileSync(file, "utf8").split("\n").filter(Boolean).map((line) => (JSON.parse(line) as MemorySample).thread);
    return [...new Set(threads)].filter((t) => t !== "main");
  } catch {
    return [];
  }
}

/** Request-log lines, counted incrementally (the files grow to hundreds of MB with bodies). */
class LogLines {
  private readonly read = new Map<string, { bytes: number; lines: number }>();
  constructor(private readonly dir: string) {}
  count(): number {
    let files: string[] = [];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith(".jsonl"));
    } catch {
      return 0;
    }
    for (const name of files) {
      const file = path.join(this.dir, name);
      const seen = this.read.get(name) ?? { bytes: 0, lines: 0 };
      const size = statSync(file).size;
      if (size > seen.bytes) {
        const fd = openSync(file, "r");
        const buffer = Buffer.alloc(size - seen.bytes);
        readSync(fd, buffer, 0, buffer.length, seen.bytes);
        closeSync(fd);
        for (let i = buffer.indexOf(10); i !== -1; i = buffer.indexOf(10, i + 1)) seen.lines++;
        seen.bytes = size;
      }
      this.read.set(name, seen);
    }
    return [...this.read.values()].reduce((sum, f) => sum + f.lines, 0);
  }
}

/** Least-squares slope of y over x (per x unit). */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

// ---- the load ----

type Kind = "plain" | "stream" | "translated" | "translated-stream" | "anthropic" | "abort";
const sent: Record<Kind, number> = { plain: 0, stream: 0, translated: 0, "translated-stream": 0, anthropic: 0, abort: 0 };
/** What the clients saw: ok, http-<status>, stream-error (an error event after a 200), client-abort, network:<code>. */
const outcomes = new Map<string, number>();
const count = (outcome: string): void => void outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
const totalSent = () => Object.values(sent).reduce((a, b) => a + b, 0);

function pickKind(): Kind {
  const r = Math.random();
  if (r < 0.3) return "plain";
  if (r < 0.55) return "stream";
  if (r < 0.65) return "translated";
  if (r < 0.75) return "translated-stream";
  if (r < 0.85) return "anthropic";
  return "abort";
}

async function oneRequest(port: number, kind: Kind): Promise<void> {
  const anthropic = kind === "anthropic";
  const stream = kind === "stream" || kind === "translated-stream" || kind === "abort" || (anthropic && Math.random() < 0.5);
  const model = kind.startsWith("translated") ? "gpt-via-claude" : anthropic ? "claude-soak" : "gpt-soak";
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("client timeout")), CLIENT_TIMEOUT_MS);
  sent[kind]++;
  try {
    const res = await fetch(`http://127.0.0.1:${port}${anthropic ? "/v1/messages" : "/v1/chat/completions"}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(anthropic ? { "anthropic-version": "2023-06-01" } : {}) },
      body: JSON.stringify({ model, max_tokens: 50, stream, messages: [{ role: "user", content: `soak ${totalSent()}: ${"lorem ipsum ".repeat(20)}` }] }),
      signal: controller.signal,
    });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return count(`http-${res.status}`);
    }
    if (kind === "abort") {
      // Read the first event, then hang up, as a client cancelling an answer does.
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort(new Error("client abort"));
      await reader.cancel().catch(() => {});
      return count("client-abort");
    }
    const text = await res.text();
    count(stream && /"error":\{|event: error/.test(text) ? "stream-error" : "ok");
  } catch (error) {
    const e = error as { name?: string; cause?: { code?: string }; message?: string };
    count(controller.signal.aborted ? String((controller.signal.reason as Error)?.message ?? "aborted") : `network:${e.cause?.code ?? e.name ?? "error"}`);
  } finally {
    clearTimeout(timer);
  }
}

// ---- the run ----

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const [oa, an] = await Promise.all([
    startMockUpstream({ api: "openai", default: (r) => fault(r.json?.stream === true) }),
    startMockUpstream({ api: "anthropic", default: (r) => fault(r.json?.stream === true) }),
  ]);
  const gw = await startGateway({ oa, an });
  const logs = new LogLines(path.join(gw.cwd, "logs"));
  // The baseline: after one request (the request log opens its file then), once its connections went idle
  // and closed (uWS closes a client connection after 10 s idle, undici an upstream one sooner).
  await oneRequest(gw.port, "plain");
  await new Promise((r) => setTimeout(r, 15_000));
  const baselineFds = fdCount(gw.pid);
  console.log(`soak: ${MINUTES} min, ${CONCURRENCY} clients, warm-up ${WARMUP_S} s; gateway pid ${gw.pid} on :${gw.port}, ${baselineFds} fds at start; bundle ${path.relative(root, bundle)}`);

  started = Date.now();
  const endAt = started + MINUTES * 60_000;
  const clients = Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < endAt) await oneRequest(gw.port, pickKind());
  });

  const report = (label: string) => {
    const elapsed = (Date.now() - started) / 1000;
    const samples = memorySamples(gw.probeFile);
    const last = samples.at(-1);
    const warm = samples.filter((s) => s.t - started >= WARMUP_S * 1000);
    const minutes = (s: MemorySample) => (s.t - started) / 60_000;
    const rssSlope = slope(warm.map((s) => [minutes(s), s.rss / 1024 / 1024]));
    const heapSlope = slope(warm.map((s) => [minutes(s), s.heapUsed / 1024 / 1024]));
    const kinds = [...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(
      `[${label} ${elapsed.toFixed(0).padStart(4)} s] sent ${totalSent()} (${(totalSent() / Math.max(1, elapsed)).toFixed(0)}/s), log lines ${logs.count()}; ` +
        `rss ${last ? mb(last.rss) : "?"} MB, main heap ${last ? mb(last.heapUsed) : "?"} MB, slope after warm-up ${Number.isNaN(rssSlope) ? "n/a" : rssSlope.toFixed(2)} / ${Number.isNaN(heapSlope) ? "n/a" : heapSlope.toFixed(2)} MB/min; ` +
        `fds ${fdCount(gw.pid)} (baseline ${baselineFds}); outcomes: ${kinds}`,
    );
    return { rssSlope, heapSlope, warm };
  };
  const ticker = setInterval(() => report("load"), REPORT_S * 1000);
  await Promise.all(clients);
  clearInterval(ticker);

  // Drain: every request has answered; let the log catch up and idle connections close (uWS closes a client
  // connection after 10 s idle, undici an upstream one after its keep-alive timeout).
  const sentTotal = totalSent();
  let lines = logs.count();
  for (let waited = 0; waited < 30_000 && lines < sentTotal; waited += 500) {
    await new Promise((r) => setTimeout(r, 500));
    lines = logs.count();
  }
  await new Promise((r) => setTimeout(r, 15_000));
  const end = report("end ");
  const fds = fdCount(gw.pid);
  lines = logs.count();
  const byKind = Object.entries(sent).map(([k, n]) => `${k} ${n}`).join(", ");
  const peak = Math.max(...memorySamples(gw.probeFile).map((s) => s.rss));
  const first = end.warm[0];
  const final = end.warm.at(-1);
  console.log("");
  console.log(`requests sent       ${sentTotal} (${byKind})`);
  console.log(`request-log lines   ${lines} ${lines === sentTotal ? "= requests sent" : `≠ requests sent (${lines - sentTotal > 0 ? "+" : ""}${lines - sentTotal})`}`);
  console.log(`RSS                 ${first ? mb(first.rss) : "?"} MB after warm-up → ${final ? mb(final.rss) : "?"} MB at the end (peak ${mb(peak)} MB), slope ${end.rssSlope.toFixed(2)} MB/min`);
  console.log(`main heap (post-GC) ${first ? mb(first.heapUsed) : "?"} MB after warm-up → ${final ? mb(final.heapUsed) : "?"} MB, slope ${end.heapSlope.toFixed(2)} MB/min`);
  for (const thread of otherThreads(gw.probeFile)) {
    const warm = memorySamples(gw.probeFile, thread).filter((x) => x.t - started >= WARMUP_S * 1000);
    const heapSlope = slope(warm.map((x) => [(x.t - started) / 60_000, x.heapUsed / 1024 / 1024]));
    console.log(`${thread} heap     ${warm[0] ? mb(warm[0].heapUsed) : "?"} MB after warm-up → ${warm.at(-1) ? mb(warm.at(-1)!.heapUsed) : "?"} MB, slope ${heapSlope.toFixed(2)} MB/min (a worker thread of the gateway)`);
  }
  console.log(`file descriptors    ${fds} after the drain, ${baselineFds} at start ${fds <= baselineFds ? "(back to baseline)" : `(+${fds - baselineFds})`}`);
  console.log(`outcomes            ${[...outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ")}`);
  console.log(`upstream requests   openai mock ${oa.requests.length}, anthropic mock ${an.requests.length}`);
  const alive = (() => {
    try {
      process.kill(gw.pid, 0);
      return true;
    } catch {
      return false;
    }
  })();
  if (!alive) console.log(`the gateway exited during the soak:\n${gw.output()}`);
  await gw.stop();
  await Promise.all([oa.close(), an.close()]);
  // The request log of a 10-minute run is ~100 MB: kept only when asked for.
  if (process.env.SOAK_KEEP === "1") console.log(`kept the gateway's folder (request log, probe samples): ${gw.cwd}`);
  else rmSync(gw.cwd, { recursive: true, force: true });
  process.exitCode = alive && lines === sentTotal && fds <= baselineFds ? 0 : 1;
}

await main();
