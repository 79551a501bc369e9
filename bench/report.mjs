// Prints the bench table and ratios from the results file bench/run.sh writes, one tab-separated line each:
//   row  <target> <mode> <rps> <p50_us> <p99_us> <errors> <load core %> <gateway core %> <gateway CPU µs per request>
//        <connections> <requests completed> <gateway peak RSS kB>
//   note <target> <message>        (a target that could not be measured, and why)
// Modes: plain and stream at the run's BENCH_CONNECTIONS; plain-c1/stream-c1 at one connection; and
// plain-cN/stream-cN at the many-connection count (1000) against a mock that holds every response.
// The last three columns came later: a file without them still reads (connections taken from the mode).
// Usage: node bench/report.mjs bench/.work/results.tsv
import { readFileSync } from "node:fs";

const MODES = ["plain", "stream"];
/** Issue 13's "Done when" figures. */
const GOAL = { plain: 0.9, stream: 0.8, translated: 0.7, addedP50Ms: 0.05, peakRssMb: 300, redisShare: 0.9 };

const rows = new Map(); // "target/mode" -> measurement
const suffixes = []; // "" (the run's concurrency), "-c1", "-c1000": in the order the run measured them
const notes = [];
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  const fields = line.split("\t");
  if (fields[0] === "row") {
    const [, target, mode, rps, p50, p99, errors, loadCpu, gatewayCpu, cpuUs, connections, requests, peakRssKb] = fields;
    const base = MODES.find((m) => mode === m || mode.startsWith(`${m}-c`)) ?? mode;
    const suffix = mode.slice(base.length);
    if (!suffixes.includes(suffix)) suffixes.push(suffix);
    rows.set(`${target}/${mode}`, {
      target,
      mode,
      base,
      suffix,
      connections: connections === undefined ? Number(suffix.slice(2)) || null : Number(connections),
      rps: Number(rps),
      p50Ms: Number(p50) / 1000,
      p99Ms: Number(p99) / 1000,
      errors: Number(errors),
      loadCpu: Number(loadCpu),
      gatewayCpu: Number(gatewayCpu),
      cpuUs: Number(cpuUs),
      requests: requests === undefined ? null : Number(requests),
      peakRssMb: peakRssKb === undefined || Number(peakRssKb) === 0 ? null : Number(peakRssKb) / 1024,
    });
  } else if (fields[0] === "note") {
    notes.push({ target: fields[1], text: fields[2] });
  }
}

// sy-node22, sy-node24 or whichever Node majors BENCH_NODE_VERSIONS asked for, in version order.
const nodeTargets = [...new Set([...rows.values()].map((r) => r.target))]
  .filter((t) => /^sy-node\d+$/.test(t))
  .sort((a, b) => Number(a.slice(7)) - Number(b.slice(7)));
const TARGETS = ["direct", "minimal", "switchyard", "sy-metoff", "sy-sqlite", "sy-nobody", "sy-transl", "sy-xform", "sy-auth", "sy-budget", "sy-limits", "sy-redis", "sy-prod", "sy-nodehttp", ...nodeTargets, "portkey"];

const get = (target, mode) => rows.get(`${target}/${mode}`);
const pad = (text, width) => String(text).padStart(width);
const many = suffixes.find((s) => s !== "" && s !== "-c1"); // "-c1000"
const manyCount = many ? many.slice(2) : "1000";

const header = ["target", "mode", "conns", "req/s", "p50 ms", "p99 ms", "requests", "errors", "core0 %", "core1 %", "CPU µs/req", "peak RSS MB"];
const widths = [11, 6, 5, 10, 8, 8, 8, 7, 8, 8, 10, 11];
console.log(header.map((h, i) => (i < 2 ? h.padEnd(widths[i]) : pad(h, widths[i]))).join("  "));
for (const suffix of suffixes) {
  for (const target of TARGETS) {
    for (const base of MODES) {
      const r = get(target, base + suffix);
      if (!r) continue;
      const gateway = target !== "direct";
      const cells = [
        target.padEnd(widths[0]),
        base.padEnd(widths[1]),
        pad(r.connections ?? "?", widths[2]),
        pad(r.rps.toFixed(0), widths[3]),
        pad(r.p50Ms.toFixed(3), widths[4]),
        pad(r.p99Ms.toFixed(3), widths[5]),
        pad(r.requests ?? "?", widths[6]),
        pad(r.errors, widths[7]),
        pad(r.loadCpu.toFixed(0), widths[8]),
        pad(gateway ? r.gatewayCpu.toFixed(0) : "-", widths[9]),
        pad(gateway ? r.cpuUs.toFixed(0) : "-", widths[10]),
        pad(gateway && r.peakRssMb !== null ? r.peakRssMb.toFixed(0) : "-", widths[11]),
      ];
      console.log(cells.join("  "));
    }
  }
}
for (const note of notes) console.log(`${note.target}: ${note.text}`);
if ([...rows.values()].some((r) => r.errors > 0)) {
  console.log("WARNING: some rows had errors (non-2xx, socket errors or timeouts); their numbers are not comparable.");
}

console.log("");
const ratioOf = (a, b, mode) => {
  const x = get(a, mode);
  const y = get(b, mode);
  return x && y && y.rps > 0 ? x.rps / y.rps : null;
};
const ratio = (a, b, mode) => {
  const value = ratioOf(a, b, mode);
  return value === null ? "n/a" : `${value.toFixed(2)}x`;
};
// The gateway's own CPU per request, as a multiple of another row's: steadier than req/s on a busy machine.
const cpuRatioOf = (a, b, mode) => {
  const x = get(a, mode);
  const y = get(b, mode);
  return x && y && y.cpuUs > 0 ? x.cpuUs / y.cpuUs : null;
};
const cpuRatio = (a, b, mode) => {
  const value = cpuRatioOf(a, b, mode);
  return value === null ? "n/a" : `${value.toFixed(2)}x`;
};
const addedP50 = (target, mode) => {
  const x = get(target, mode);
  const direct = get("direct", mode);
  return x && direct ? `+${(x.p50Ms - direct.p50Ms).toFixed(3)} ms` : "n/a";
};
/** At one connection: the p50 Switchyard adds over the floor's (ms), or null. */
const addedP50OverFloorOf = (mode) => {
  const x = get("switchyard", `${mode}-c1`);
  const floor = get("minimal", `${mode}-c1`);
  return x && floor ? x.p50Ms - floor.p50Ms : null;
};
const signedMs = (ms) => (ms === null ? "n/a" : `${ms >= 0 ? "+" : ""}${ms.toFixed(3)} ms`);
const line = (label, fn) => console.log(`${label.padEnd(40)}${MODES.map((m) => `${m} ${fn(m)}`.padEnd(22)).join("")}`);
line("throughput switchyard / minimal", (m) => ratio("switchyard", "minimal", m));
line("throughput sy-nobody / minimal", (m) => ratio("sy-nobody", "minimal", m));
line("throughput sy-transl / minimal", (m) => ratio("sy-transl", "minimal", m));
line("throughput sy-prod / minimal", (m) => ratio("sy-prod", "minimal", m));
line("throughput switchyard / portkey", (m) => ratio("switchyard", "portkey", m));
line("throughput translated / pass-through", (m) => ratio("sy-transl", "switchyard", m));
line("throughput transforms / pass-through", (m) => ratio("sy-xform", "switchyard", m));
line("throughput metrics on / off", (m) => ratio("switchyard", "sy-metoff", m));
line("throughput SQLite sink / JSONL", (m) => ratio("sy-sqlite", "switchyard", m));
line("throughput metrics + SQLite / neither", (m) => ratio("sy-sqlite", "sy-metoff", m));
line("throughput sy-auth / minimal", (m) => ratio("sy-auth", "minimal", m));
line("throughput sy-budget / minimal", (m) => ratio("sy-budget", "minimal", m));
line("throughput keys required / open", (m) => ratio("sy-auth", "switchyard", m));
line("throughput keys + budget / open", (m) => ratio("sy-budget", "switchyard", m));
line("throughput production / open", (m) => ratio("sy-prod", "switchyard", m));
line("throughput local limits / no limits", (m) => ratio("sy-limits", "switchyard", m));
line("throughput Redis limits / no limits", (m) => ratio("sy-redis", "switchyard", m));
line("CPU/request switchyard / minimal", (m) => cpuRatio("switchyard", "minimal", m));
line("CPU/request sy-prod / minimal", (m) => cpuRatio("sy-prod", "minimal", m));
line("CPU/request translated / pass-through", (m) => cpuRatio("sy-transl", "switchyard", m));
line("CPU/request transforms / pass-through", (m) => cpuRatio("sy-xform", "switchyard", m));
line("CPU/request metrics on / off", (m) => cpuRatio("switchyard", "sy-metoff", m));
line("CPU/request SQLite sink / JSONL", (m) => cpuRatio("sy-sqlite", "switchyard", m));
line("CPU/request keys required / open", (m) => cpuRatio("sy-auth", "switchyard", m));
line("CPU/request keys + budget / open", (m) => cpuRatio("sy-budget", "switchyard", m));
line("CPU/request production / open", (m) => cpuRatio("sy-prod", "switchyard", m));
line("CPU/request local limits / no limits", (m) => cpuRatio("sy-limits", "switchyard", m));
line("CPU/request Redis limits / no limits", (m) => cpuRatio("sy-redis", "switchyard", m));
// The HTTP server's cost (same Node, same bundle), then another Node's: against the uWS row (what moving to
// that Node costs all told) and against sy-nodehttp (the Node version alone, both on node:http).
line("CPU/request node:http / uWS, same Node", (m) => cpuRatio("sy-nodehttp", "switchyard", m));
for (const t of nodeTargets) {
  line(`CPU/request Node ${t.slice(7)} / switchyard (uWS)`, (m) => cpuRatio(t, "switchyard", m));
  line(`CPU/request Node ${t.slice(7)} / sy-nodehttp`, (m) => cpuRatio(t, "sy-nodehttp", m));
}
line("p50 added over direct, minimal", (m) => addedP50("minimal", m));
line("p50 added over direct, switchyard", (m) => addedP50("switchyard", m));
line("p50 added over direct, sy-nobody", (m) => addedP50("sy-nobody", m));
line("p50 added over direct, sy-transl", (m) => addedP50("sy-transl", m));
line("p50 added over direct, sy-xform", (m) => addedP50("sy-xform", m));
line("p50 added over direct, sy-auth", (m) => addedP50("sy-auth", m));
line("p50 added over direct, sy-budget", (m) => addedP50("sy-budget", m));
line("p50 added over direct, sy-prod", (m) => addedP50("sy-prod", m));
line("p50 added over direct, sy-nodehttp", (m) => addedP50("sy-nodehttp", m));
for (const t of nodeTargets) line(`p50 added over direct, ${t}`, (m) => addedP50(t, m));
line("p50 at c=1, switchyard over minimal", (m) => signedMs(addedP50OverFloorOf(m)));

// The many-connection rows: did every stream complete, what did the gateway add to the held responses'
// latency (over direct's, wrk straight to the holding mock), and how much memory did it take for them?
const manyRows = many ? [...rows.values()].filter((r) => r.suffix === many && r.target !== "direct") : [];
if (manyRows.length > 0) {
  const held = get("direct", `stream${many}`);
  console.log("");
  console.log(`${manyCount} connections, every response held by the mock${held ? ` (direct: p50 ${held.p50Ms.toFixed(1)} ms, p99 ${held.p99Ms.toFixed(1)} ms)` : ""}:`);
  for (const r of manyRows) {
    const rss = r.peakRssMb === null ? "peak RSS n/a" : `peak RSS ${r.peakRssMb.toFixed(0)} MB`;
    const added = held ? `, over direct p50 ${signedMs(r.p50Ms - held.p50Ms)} p99 ${signedMs(r.p99Ms - held.p99Ms)}` : "";
    console.log(`  ${`${r.target} ${r.base}`.padEnd(22)}${r.requests ?? "?"} completed, ${r.errors} errors, p99 ${r.p99Ms.toFixed(1)} ms${added}, ${rss}`);
  }
}

// Issue 13's "Done when", each figure against its goal, from this run only.
console.log("");
console.log("issue 13, done when (this run):");
const verdict = (label, value, met) => console.log(`  ${label.padEnd(62)}${value.padEnd(30)}${met === null ? "n/a" : met ? "met" : "NOT met"}`);
for (const [mode, goal] of [
  ["plain", GOAL.plain],
  ["stream", GOAL.stream],
]) {
  const value = ratioOf("switchyard", "minimal", mode);
  verdict(`switchyard / minimal req/s, ${mode} (bodies logged), >= ${goal.toFixed(2)}x`, value === null ? "n/a" : `${value.toFixed(2)}x`, value === null ? null : value >= goal);
}
const translated = ratioOf("sy-transl", "minimal", "stream");
verdict(`sy-transl / minimal req/s, stream, >= ${GOAL.translated.toFixed(2)}x`, translated === null ? "n/a" : `${translated.toFixed(2)}x`, translated === null ? null : translated >= GOAL.translated);
for (const mode of MODES) {
  const added = addedP50OverFloorOf(mode);
  verdict(`p50 added at c=1 over the floor's, ${mode}, <= ${GOAL.addedP50Ms} ms`, signedMs(added), added === null ? null : added <= GOAL.addedP50Ms);
}
const switchyardMany = manyRows.filter((r) => r.target !== "minimal");
if (switchyardMany.length === 0) {
  verdict(`${manyCount} connections: every request completes`, "n/a", null);
} else {
  const failed = switchyardMany.reduce((n, r) => n + r.errors, 0);
  const completed = switchyardMany.reduce((n, r) => n + (r.requests ?? 0), 0);
  verdict(`${manyCount} connections: every request completes (${switchyardMany.length} Switchyard rows)`, `${completed - failed} ok, ${failed} errors`, completed > 0 && failed === 0);
  const peaks = switchyardMany.map((r) => r.peakRssMb).filter((v) => v !== null);
  const peak = peaks.length > 0 ? Math.max(...peaks) : null;
  verdict(`peak RSS at ${manyCount} connections < ${GOAL.peakRssMb} MB`, peak === null ? "n/a" : `${peak.toFixed(0)} MB`, peak === null ? null : peak < GOAL.peakRssMb);
}
// Within 10 %: Redis limits may cost at most a tenth of the stream throughput of the same run's no-limits row.
const redis = ratioOf("sy-redis", "switchyard", "stream");
const redisCpu = cpuRatioOf("sy-redis", "switchyard", "stream");
verdict(
  "sy-redis / switchyard req/s, stream, within 10 % (>= 0.90x)",
  redis === null ? "n/a" : `${redis.toFixed(2)}x (${((redis - 1) * 100).toFixed(1)} %; CPU ${redisCpu === null ? "n/a" : `${redisCpu.toFixed(2)}x`})`,
  redis === null ? null : redis >= GOAL.redisShare,
);
if (notes.some((n) => n.target === "machine")) console.log("  (the machine was not idle: these verdicts are not conclusive; compare CPU per request)");
