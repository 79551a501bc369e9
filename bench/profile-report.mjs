// Reads a V8 .cpuprofile and prints where the time went: by area (Switchyard's own code by folder, each
// bundled package, Node internals, GC) and the functions with the most self time. The bundle has no source
// map, but esbuild heads each module it inlines with a `// path/of/module.ts` comment: a bundle line belongs
// to the last such module above it.
// Usage: node bench/profile-report.mjs FILE.cpuprofile [TOP] [REQUESTS]   (REQUESTS: µs per request too)
import { readFileSync } from "node:fs";

const [file, topArg = "30", requestsArg] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
});

/** Per bundle file: the first line of each inlined module and its path, in order. */
const bundles = new Map();
function modulesOf(url) {
  let table = bundles.get(url);
  if (table === undefined) {
    table = [];
    try {
      readFileSync(new URL(url), "utf8").split("\n").forEach((line, i) => {
        const m = /^\/\/ ((?:node_modules|runtime|generated|dashboard|test)\/\S+\.[cm]?[jt]s)$/.exec(line);
        if (m) table.push([i, m[1]]);
      });
    } catch {
      // Not a file we can read (moved or deleted since): its frames are reported by URL.
    }
    bundles.set(url, table);
  }
  return table;
}

/** The inlined module a bundle line belongs to, or null. */
function moduleAt(url, line) {
  const table = modulesOf(url);
  let lo = 0;
  let hi = table.length - 1;
  let found = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (table[mid][0] <= line) {
      found = table[mid][1];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The source file of a frame: the inlined module for bundle frames, else the script's URL. */
function sourceOf(frame) {
  const { url } = frame;
  if (url.startsWith("file:") && url.endsWith(".mjs")) return moduleAt(url, frame.lineNumber) ?? url.split("/").pop();
  // Packages left outside the bundle (native ones: better-sqlite3, uWS).
  const outside = url.indexOf("/node_modules/");
  if (outside >= 0) return url.slice(outside + 1);
  return url;
}

/** Which part of the process a frame belongs to: a package, a runtime/ folder, Node, V8. */
function areaOf(frame, source) {
  const { functionName } = frame;
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "V8 / native";
  if (!source) return "native (uWS, libuv, …)";
  if (source.startsWith("node:")) return "Node internals";
  if (source.startsWith("wasm")) return "WebAssembly (undici's llhttp)";
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg) return pkg[1];
  const own = /^(runtime\/[^/]+\/|runtime\/|generated\/|dashboard\/)/.exec(source);
  if (own) return own[1] === "runtime/" ? source : own[1];
  return source.split("/").slice(-2).join("/");
}

const byArea = new Map();
const byFunction = new Map();
for (const [id, us] of selfUs) {
  const frame = nodes.get(id).callFrame;
  const source = sourceOf(frame);
  const area = areaOf(frame, source);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
  const key = `${frame.functionName || "(anonymous)"}  ${source}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}

const busy = total - (byArea.get("idle") ?? 0);
const requests = Number(requestsArg) || 0;
const perRequest = (us) => (requests > 0 ? `${(us / requests).toFixed(1).padStart(7)} µs/req` : "");
const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;

console.log(`\nbusy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s profiled${requests ? `; ${(busy / requests).toFixed(1)} µs of CPU per request (warm-up included)` : ""}`);
console.log("\nby area (share of busy time):");
for (const [area, us] of [...byArea].filter(([a, us]) => a !== "idle" && us >= busy / 1000).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${pct(us, busy)}  ${perRequest(us)}  ${area}`);
}
console.log(`\ntop ${topArg} functions by self time (share of busy time):`);
for (const [key, us] of [...byFunction].filter(([k]) => !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1]).slice(0, Number(topArg))) {
  console.log(`  ${pct(us, busy)}  ${perRequest(us)}  ${key}`);
}
