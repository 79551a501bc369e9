// The bundle as a deployable artefact: it runs with the config sources gone, it holds back a fast upstream
// for a slow client instead of buffering without bound, and it drains in-flight requests on SIGTERM.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, bundleNodeModules, logMessages, root, startGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

let bundle: string;
let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream({ api: "openai" });
  ({ bundle } = await buildCase("lifecycle", "test/e2e/lifecycle.routes.yaml"));
});
afterAll(() => mock?.close());

describe("the bundle", () => {
  it("runs on its own: no routes.yaml, schema/ or generator/ needed, and the config is never parsed at run time", async () => {
    const text = readFileSync(bundle, "utf8");
    // The config's loader, checker and type machinery stay in the generator. The YAML parser is bundled since
    // issue 16, for one reason only: scenario files loaded at run time (POST /_switchyard/scenarios).
    for (const absent of ["function loadConfig", "function checkConfig", "ts-morph", "json-schema-to-typescript", "new Ajv"]) expect(text).not.toContain(absent);
    expect(text).toContain("function compileScenario");
    const dir = mkdtempSync(path.join(tmpdir(), "switchyard-ship-"));
    mkdirSync(path.join(dir, "app"));
    copyFileSync(bundle, path.join(dir, "app/server.mjs"));
    // Only the uWebSockets.js addon comes from node_modules; everything else is inside server.mjs.
    symlinkSync(bundleNodeModules, path.join(dir, "node_modules"));
    const gw = await startGateway(path.join(dir, "app/server.mjs"), { UPSTREAM_URL: mock.url, UPSTREAM_KEY: "sk-lifecycle-aaaaaaaaaaaa" }, { cwd: dir });
    try {
      const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
      const completion = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }] });
      expect(completion.choices[0]!.message.content).toBe("Hello from the mock upstream.");
    } finally {
      await gw.stop();
    }
  });

  it("finishes in-flight streams on SIGTERM, flushes the log and exits 0", async () => {
    const gw = await startGateway(bundle, { UPSTREAM_URL: mock.url, UPSTREAM_KEY: "sk-lifecycle-aaaaaaaaaaaa" });
    mock.script({ kind: "slowStream", chunks: 10, intervalMs: 80 });
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "hi" }], stream: true });
    const exited = gw.stop("SIGTERM");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(Array.from({ length: 10 }, (_, i) => `t${i} `).join(""));
    expect(await exited).toBe(0);
    const records = gw.logRecords();
    expect(records.at(-1)).toMatchObject({ status: 200, stream: true });
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
  });
});

describe("--help, --version and a port in use", () => {
  /** The bundle run to its exit, from a directory of its own. */
  function runBundle(args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [bundle, ...args], { cwd: mkdtempSync(path.join(tmpdir(), "switchyard-exit-")), env: { PATH: process.env.PATH ?? "", UPSTREAM_URL: mock.url, UPSTREAM_KEY: "sk-lifecycle-aaaaaaaaaaaa" } });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
  }

  it("the bundle prints its options and its version without starting, and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
    const help = await runBundle(["--help"]);
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/^Usage: node \S*server\.mjs \[--host HOST\] \[--port PORT\] \[--workers N\|auto\]/);
    for (const documented of ["--host HOST", "--port PORT", "--workers N|auto", "-v, --version", "SWITCHYARD_STORE", "SWITCHYARD_ADMIN_KEY", "SIGTERM"]) expect(help.output).toContain(documented);
    expect(help.output).not.toContain("listening");
    for (const flag of ["--version", "-v"]) expect(await runBundle([flag])).toEqual({ code: 0, output: `switchyard ${version}\n` });
    const unknown = await runBundle(["--bogus"]);
    expect(unknown.code).toBe(1);
    expect(logMessages(unknown.output)).toContain("cannot start: Unknown option '--bogus'; --help lists the options");
  });

  it("a second gateway on the port of a running one exits 1 saying so, and the first keeps the port to itself", async () => {
    const first = await startGateway(bundle, { UPSTREAM_URL: mock.url, UPSTREAM_KEY: "sk-lifecycle-aaaaaaaaaaaa" });
    try {
      for (const args of [[], ["--workers", "2"]]) {
        const second = await runBundle(["--host", "127.0.0.1", "--port", String(first.port), ...args]);
        expect(second.code, second.output).toBe(1);
        expect(logMessages(second.output)).toContain(`cannot start: 127.0.0.1:${first.port} is already in use`);
      }
      // Nothing else answers there: every connection reaches the first gateway.
      const openai = new OpenAI({ baseURL: `${first.url}/v1`, apiKey: "x", maxRetries: 0 });
      for (let i = 0; i < 5; i++) expect((await openai.chat.completions.create({ model: "fast", messages: [{ role: "user", content: `hi ${i}` }] })).choices[0]!.message.content).toBe("Hello from the mock upstream.");
      expect(first.process.exitCode).toBeNull();
    } finally {
      await first.stop();
    }
  });
});

describe("backpressure", () => {
  const TOTAL = 64 * 1024 * 1024;
  let upstream: Server;
  let written = 0;

  beforeAll(async () => {
    // A fast upstream: writes SSE as quickly as its socket takes it, and waits for 'drain' when it doesn't.
    const event = Buffer.from(`data: {"choices":[{"index":0,"delta":{"content":"${"x".repeat(16 * 1024 - 64)}"}}]}\n\n`);
    upstream = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        const pump = () => {
          while (written < TOTAL) {
            written += event.length;
            if (!res.write(event)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  it("a client that stops reading holds the upstream back, and then gets every byte", async () => {
    const port = (upstream.address() as { port: number }).port;
    const gw = await startGateway(bundle, { UPSTREAM_URL: `http://127.0.0.1:${port}`, UPSTREAM_KEY: "sk-lifecycle-aaaaaaaaaaaa" });
    try {
      const body = JSON.stringify({ model: "fast", stream: true, messages: [{ role: "user", content: "hi" }] });
      const socket = connect(gw.port, "127.0.0.1");
      socket.pause();
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      await new Promise((r) => setTimeout(r, 1500));
      // Kernel socket buffers on both loopback hops hold a few MB; nothing else may pile up.
      expect(written).toBeLessThan(TOTAL / 4);
      let received = 0;
      const done = new Promise<void>((resolve) => {
        socket.on("data", (d: Buffer) => {
          received += d.length;
          if (d.subarray(-5).toString() === "0\r\n\r\n") resolve();
        });
      });
      socket.resume();
      await done;
      socket.destroy();
      expect(written).toBeGreaterThanOrEqual(TOTAL);
      // Every event arrived, plus the HTTP and chunked-encoding framing around them.
      expect(received).toBeGreaterThan(written);
    } finally {
      await gw.stop();
    }
  });
});
