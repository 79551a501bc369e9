// What tracing costs per request in CPU, apart from wrk's noise: `npx tsx bench/tracing-cost.ts [N]`.
// Runs what one traced request does (a request span, one try with its traceparent, the try's end, the
// request's end with usage and cost) N times in this process against runtime/observe/tracing.ts, exporting
// for real over OTLP/HTTP to a collector stand-in in a child process that only counts spans, and divides
// this process's CPU time (process.cpuUsage, user + system, the batch export and its JSON serialisation
// included) by N. The same loop with sample_ratio 0 shows what an unsampled request costs, and the loop
// with no tracing at all is the floor.
import { fork, type ChildProcess } from "node:child_process";
import type { Gateway, Target, Upstream } from "../runtime/contract.ts";
import type { RequestLogRecord } from "../runtime/log/request-log.ts";
import type { Tracing } from "../runtime/observe/hooks.ts";
import { openTracing } from "../runtime/observe/tracing.ts";

const N = Number(process.argv[2] ?? 50_000);
/** Yield to the event loop this often, so the batch processor's exports run as they would between requests. */
const YIELD_EVERY = 64;

const COLLECTOR = `
const http = require("node:http");
let spans = 0;
const server = http.createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    spans += (body.match(/"spanId"/g) || []).length;
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("message", (m) => { if (m === "count") process.send({ spans }); });
`;

function startCollector(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork("-e", [COLLECTOR], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve) => child.once("message", (m: { port: number }) => resolve({ child, port: m.port })));
}

function count(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once("message", (m: { spans: number }) => resolve(m.spans));
    child.send("count");
  });
}

const upstream = { kind: "http", name: "openai", api: "openai", origin: "http://127.0.0.1:9" } as unknown as Upstream;
const gateway = { env: "bench", upstreams: [upstream] } as unknown as Gateway;
const target = { upstream, label: "openai:gpt-4o", model: "gpt-4o" } as unknown as Target;
const body = { model: "bench-model", max_tokens: 32, messages: [{ role: "user", content: "Say hello." }] };
const usage = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, input_tokens: 11, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };

function record(i: number): RequestLogRecord {
  return {
    id: `req_${i}`,
    time: "",
    trace_id: "",
    key_id: "key_3f9a0c1d2e4b5a67",
    client_ip: "127.0.0.1",
    route: "bench-model",
    api: "openai",
    path: "/v1/chat/completions",
    model: "bench-model",
    stream: false,
    attempts: [],
    status: 200,
    latency_ms: 1.2,
    upstream_latency_ms: 1,
    ttfb_ms: 1,
    usage,
    cost_usd: 0.0001,
    response_body: '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-08-06","choices":[]}',
  };
}

/** CPU µs per request of N requests through `tracing` (null: the loop alone). */
async function run(tracing: Tracing | null, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const headers: Record<string, string> = {};
    const span = tracing === null ? null : tracing.start({ api: "openai", path: "/v1/chat/completions", traceparent: undefined, receivedAt: performance.now(), time: Date.now() });
    const attempt = span === null ? null : span.attempt(target, "gpt-4o", 0, body);
    if (attempt !== null) headers.traceparent = attempt.traceparent;
    attempt?.end(200, undefined);
    span?.end(record(i));
    if (i % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await tracing?.shutdown();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

const collector = await startCollector();
const endpoint = `http://127.0.0.1:${collector.port}/v1/traces`;
const open = (sampleRatio: number) => openTracing({ endpoint, headers: {}, serviceName: "bench", sampleRatio }, gateway, { shutdownTimeoutMs: 30_000 });

// Warm-up: JIT and the exporter's keep-alive connection.
await run(open(1), 5000);
await run(null, 5000);
const exportedBefore = await count(collector.child);

const rows: Array<[string, number]> = [];
for (let round = 0; round < 3; round++) {
  rows.push(["no tracing", await run(null, N)]);
  rows.push(["sample_ratio 1", await run(open(1), N)]);
  rows.push(["sample_ratio 0", await run(open(0), N)]);
}
const exported = (await count(collector.child)) - exportedBefore;
collector.child.kill();

const best = new Map<string, number>();
for (const [name, us] of rows) best.set(name, Math.min(best.get(name) ?? Infinity, us));
console.log(`tracing cost, ${N} requests per run, best of 3 runs, CPU µs per request (user + system):`);
for (const [name, us] of best) console.log(`  ${name.padEnd(16)} ${us.toFixed(2)} µs`);
console.log(`  spans the collector received: ${exported} of ${3 * N * 2} sampled (2 per request)`);
