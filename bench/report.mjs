// Prints the bench table and ratios from the results file bench/run.sh writes, one tab-separated line each:
//   row  <target> <mode> <rps> <p50_us> <p99_us> <errors> <load core %> <gateway core %> <gateway CPU µs per request>
//   note <target> <message>        (a target that could not be measured, and why)
// Usage: node bench/report.mjs bench/.work/results.tsv
import { readFileSync } from "node:fs";

const TARGETS = ["direct", "minimal", "switchyard", "sy-metoff", "sy-sqlite", "sy-nobody", "sy-transl", "sy-xform", "sy-auth", "sy-budget", "sy-limits", "sy-redis", "sy-nodehttp", "sy-node22", "sy-node24", "portkey"];
const MODES = ["plain", "stream"];

const rows = new Map(); // "target/mode" -> measurement
const notes = [];
for (const line of readFileSync(process.argv[2], "utf8").split("\n")) {
  const fields = line.split("\t");
  if (fields[0] === "row") {
    const [, target, mode, rps, p50, p99, errors, loadCpu, gatewayCpu, cpuUs] = fields;
    rows.set(`${target}/${mode}`, {
      target,
      mode,
      rps: Number(rps),
      p50Ms: Number(p50) / 1000,
      p99Ms: Number(p99) / 1000,
      errors: Number(errors),
      loadCpu: Number(loadCpu),
      gatewayCpu: Number(gatewayCpu),
      cpuUs: Number(cpuUs),
    });
  } else if (fields[0] === "note") {
    notes.push(`${fields[1]}: ${fields[2]}`);
  }
}

const get = (target, mode) => rows.get(`${target}/${mode}`);
const pad = (text, width) => String(text).padStart(width);

const header = ["target", "mode", "req/s", "p50 ms", "p99 ms", "errors", "core0 %", "core1 %", "CPU µs/req"];
const widths = [10, 6, 10, 8, 8, 7, 8, 8, 10];
console.log(header.map((h, i) => (i < 2 ? h.padEnd(widths[i]) : pad(h, widths[i]))).join("  "));
for (const target of TARGETS) {
  for (const mode of MODES) {
    const r = get(target, mode);
    if (!r) continue;
    const cells = [
      target.padEnd(widths[0]),
      mode.padEnd(widths[1]),
      pad(r.rps.toFixed(0), widths[2]),
      pad(r.p50Ms.toFixed(3), widths[3]),
      pad(r.p99Ms.toFixed(3), widths[4]),
      pad(r.errors, widths[5]),
      pad(r.loadCpu.toFixed(0), widths[6]),
      pad(target === "direct" ? "-" : r.gatewayCpu.toFixed(0), widths[7]),
      pad(target === "direct" ? "-" : r.cpuUs.toFixed(0), widths[8]),
    ];
    console.log(cells.join("  "));
  }
}
for (const note of notes) console.log(note);
if ([...rows.values()].some((r) => r.errors > 0)) {
  console.log("WARNING: some rows had errors (non-2xx, socket errors or timeouts); their numbers are not comparable.");
}

console.log("");
const ratio = (a, b, mode) => {
  const x = get(a, mode);
  const y = get(b, mode);
  return x && y && y.rps > 0 ? `${(x.rps / y.rps).toFixed(2)}x` : "n/a";
};
// The gateway's own CPU per request, as a multiple of another row's: steadier than req/s on a busy machine.
const cpuRatio = (a, b, mode) => {
  const x = get(a, mode);
  const y = get(b, mode);
  return x && y && y.cpuUs > 0 ? `${(x.cpuUs / y.cpuUs).toFixed(2)}x` : "n/a";
};
const addedP50 = (target, mode) => {
  const x = get(target, mode);
  const direct = get("direct", mode);
  return x && direct ? `+${(x.p50Ms - direct.p50Ms).toFixed(3)} ms` : "n/a";
};
const line = (label, fn) => console.log(`${label.padEnd(40)}${MODES.map((m) => `${m} ${fn(m)}`.padEnd(22)).join("")}`);
line("throughput switchyard / minimal", (m) => ratio("switchyard", "minimal", m));
line("throughput sy-nobody / minimal", (m) => ratio("sy-nobody", "minimal", m));
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
line("throughput local limits / no limits", (m) => ratio("sy-limits", "switchyard", m));
line("throughput Redis limits / no limits", (m) => ratio("sy-redis", "switchyard", m));
line("CPU/request switchyard / minimal", (m) => cpuRatio("switchyard", "minimal", m));
line("CPU/request node:http / uWS backend", (m) => cpuRatio("sy-nodehttp", "switchyard", m));
line("CPU/request Node 22 / Node 20 (uWS)", (m) => cpuRatio("sy-node22", "switchyard", m));
line("CPU/request Node 24 / Node 20 (uWS)", (m) => cpuRatio("sy-node24", "switchyard", m));
line("CPU/request translated / pass-through", (m) => cpuRatio("sy-transl", "switchyard", m));
line("CPU/request transforms / pass-through", (m) => cpuRatio("sy-xform", "switchyard", m));
line("CPU/request metrics on / off", (m) => cpuRatio("switchyard", "sy-metoff", m));
line("CPU/request SQLite sink / JSONL", (m) => cpuRatio("sy-sqlite", "switchyard", m));
line("CPU/request keys required / open", (m) => cpuRatio("sy-auth", "switchyard", m));
line("CPU/request keys + budget / open", (m) => cpuRatio("sy-budget", "switchyard", m));
line("CPU/request local limits / no limits", (m) => cpuRatio("sy-limits", "switchyard", m));
line("CPU/request Redis limits / no limits", (m) => cpuRatio("sy-redis", "switchyard", m));
line("p50 added over direct, minimal", (m) => addedP50("minimal", m));
line("p50 added over direct, switchyard", (m) => addedP50("switchyard", m));
line("p50 added over direct, sy-nobody", (m) => addedP50("sy-nobody", m));
line("p50 added over direct, sy-transl", (m) => addedP50("sy-transl", m));
line("p50 added over direct, sy-xform", (m) => addedP50("sy-xform", m));
line("p50 added over direct, sy-auth", (m) => addedP50("sy-auth", m));
line("p50 added over direct, sy-budget", (m) => addedP50("sy-budget", m));
