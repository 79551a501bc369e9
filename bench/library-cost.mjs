// What a request costs in CPU through the library's handle() (runtime/http-backend/web/), against the same
// gateway over a socket: `node bench/library-cost.mjs BUNDLE [N] [C]`, BUNDLE built from a routes.yaml with a
// route `gpt-lib` whose provider reads ${LIB_OA_URL} and ${LIB_OA_KEY} (test/e2e/library.routes.yaml; the
// library test builds it into test/.build/library/dist/server.mjs). The upstream is bench/mock-upstream.mjs
// in a child process, so this process's CPU time (process.cpuUsage, user + system) is the gateway's plus the
// client's, divided by N: for handle() the client is a Request built and its Response read; for the socket
// rows it is undici's fetch, in this process too, so the difference is an upper bound on the socket's cost.
// Plain and streamed, each after a warm-up of N/5, with C requests in flight at a time (default 32, as the
// make bench table's wrk -c32; 1 shows the cost of a lone request).
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { createGateway } from "switchyard";

const bundle = process.argv[2];
const N = Number(process.argv[3] ?? 5000);
const C = Number(process.argv[4] ?? 32);
if (!bundle) throw new Error("usage: node bench/library-cost.mjs BUNDLE [N] [C]");

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const mock = spawn(process.execPath, [path.join(import.meta.dirname, "mock-upstream.mjs"), "--port", String(port)], { stdio: "inherit" });
await new Promise((resolve) => setTimeout(resolve, 500));
const gateway = await createGateway({
  bundle,
  environment: { LIB_OA_URL: `http://127.0.0.1:${port}`, LIB_OA_KEY: "sk-bench-0123456789abcdefghij", SWITCHYARD_STORE: "sqlite::memory:" },
});
const listening = await gateway.listen(0, "127.0.0.1");

const body = (stream) => JSON.stringify({ model: "gpt-lib", stream, messages: [{ role: "user", content: "Hi" }] });
const init = (stream) => ({ method: "POST", headers: { "content-type": "application/json" }, body: body(stream) });
const viaHandle = async (stream) => (await gateway.handle(new Request("http://local/v1/chat/completions", init(stream)))).arrayBuffer();
const viaSocket = async (stream) => (await fetch(`${listening.url}/v1/chat/completions`, init(stream))).arrayBuffer();

/** n requests, C at a time. */
async function load(n, run, stream) {
  let left = n;
  const worker = async () => {
    while (left-- > 0) await run(stream);
  };
  await Promise.all(Array.from({ length: C }, worker));
}

async function measure(name, run, stream) {
  await load(N / 5, run, stream);
  const before = process.cpuUsage();
  const started = performance.now();
  await load(N, run, stream);
  const cpu = process.cpuUsage(before);
  const ms = performance.now() - started;
  console.log(`${name.padEnd(16)} ${((cpu.user + cpu.system) / N).toFixed(0).padStart(5)} µs CPU/request   ${((N / ms) * 1000).toFixed(0).padStart(6)} req/s`);
}

console.log(`${N} requests each, ${C} at a time, ${process.version}`);
await measure("handle plain", viaHandle, false);
await measure("socket plain", viaSocket, false);
await measure("handle stream", viaHandle, true);
await measure("socket stream", viaSocket, true);
listening.close();
await gateway.close();
mock.kill();
