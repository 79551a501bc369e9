// The bundle's application log as an operator sees it: JSON lines with levels on a pipe (start, the
// configuration in force, the listening line last, SIGTERM and stop), a readable line with
// SWITCHYARD_LOG_FORMAT=pretty, SWITCHYARD_LOG_LEVEL, and never a key in any of it.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway } from "../support/gateway.ts";
import { freePort, startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";

const UPSTREAM_KEY = "sk-app-log-upstream-key-aaaaaaaaaa";
let bundle: string;
let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream({ api: "openai" });
  ({ bundle } = await buildCase("app-log", "test/e2e/lifecycle.routes.yaml"));
});
afterAll(() => mock?.close());

function lines(output: string): Array<Record<string, any>> {
  return output
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);
}

async function chat(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "hi" }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe("application log", () => {
  it("is JSON lines on a pipe: configuration, then the listening line; SIGTERM and stop; no key anywhere", async () => {
    const gw = await startGateway(bundle, { UPSTREAM_URL: mock.url, UPSTREAM_KEY });
    expect(await chat(gw.url, "sk-client-key-should-never-be-logged-0000")).toBe(200);
    expect(await gw.stop("SIGTERM")).toBe(0);
    // "exit" may come before the last of the output is read.
    for (let i = 0; i < 100 && !gw.output().includes('"msg":"stopped"'); i++) await new Promise((r) => setTimeout(r, 20));
    const entries = lines(gw.output());
    for (const entry of entries) {
      expect(entry).toMatchObject({ name: "switchyard", level: expect.stringMatching(/^(info|warn|error|fatal)$/), msg: expect.any(String) });
      expect(entry.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    const messages = entries.map((e) => e.msg as string);
    const config = entries.find((e) => e.routes !== undefined)!;
    expect(config).toMatchObject({ level: "info", env: "dev", routes: 1, providers: ["upstream"], auth: "off", metrics: true, request_log: "logs" });
    // Where the records go, absolute: the working directory's logs/ here.
    expect(messages).toContain(`request log: ${path.join(gw.cwd, "logs")}/*.jsonl; \`switchyard logs tail\` reads it, \`switchyard usage\` sums it`);
    const listening = messages.findIndex((m) => /^switchyard \(dev\) listening on http:\/\/127\.0\.0\.1:\d+$/.test(m));
    expect(listening).toBeGreaterThan(messages.indexOf(config.msg));
    expect(entries[listening]).toMatchObject({ level: "info", url: gw.url });
    expect(messages.slice(listening + 1)).toEqual(["SIGTERM: draining in-flight requests", "stopped"]);
    expect(gw.output()).not.toContain(UPSTREAM_KEY);
    expect(gw.output()).not.toContain("sk-client-key-should-never-be-logged");
  });

  it("is one readable line an event with SWITCHYARD_LOG_FORMAT=pretty, and the listening line is still found", async () => {
    const gw = await startGateway(bundle, { UPSTREAM_URL: mock.url, UPSTREAM_KEY: "", SWITCHYARD_LOG_FORMAT: "pretty" });
    await gw.stop("SIGINT");
    const output = gw.output();
    expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  provider upstream has an empty api key; its targets are skipped$/m);
    expect(output).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  switchyard \(dev\) listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(output).not.toContain("{");
  });

  it("SWITCHYARD_LOG_LEVEL=warn keeps warnings only; a bad start is one fatal line and exit 1", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [bundle, "--port", String(port)], {
      cwd: mkdtempSync(path.join(tmpdir(), "switchyard-app-log-")),
      env: { PATH: process.env.PATH ?? "", UPSTREAM_URL: mock.url, UPSTREAM_KEY: "", SWITCHYARD_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.status !== 200) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(lines(output).map((e) => [e.level, e.msg])).toEqual([["warn", "provider upstream has an empty api key; its targets are skipped"]]);

    const bad = spawn(process.execPath, [bundle, "--port", "70000"], { env: { PATH: process.env.PATH ?? "", UPSTREAM_URL: mock.url, UPSTREAM_KEY }, stdio: ["ignore", "pipe", "pipe"] });
    let badOutput = "";
    bad.stdout.on("data", (d) => (badOutput += d));
    bad.stderr.on("data", (d) => (badOutput += d));
    expect(await new Promise<number | null>((resolve) => bad.once("close", resolve))).toBe(1);
    expect(lines(badOutput)).toEqual([expect.objectContaining({ level: "fatal", msg: 'cannot start: bad port "70000"' })]);
  });
});
