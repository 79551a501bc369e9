// Reload without dropped connections, as `switchyard serve` runs it: the bundle under a supervisor
// (--workers 2 --watch) serving a steady load of plain and streamed requests from keep-alive clients while
// (1) a rebuilt bundle with a changed routes.yaml is renamed over the served file and (2) SIGHUP reloads
// again. Every request must succeed with its whole body, the config change must show up in what reaches
// the upstream, the old workers must drain and exit, and the request log must hold exactly one line per request.
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, logMessages, root, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { waitForOutput } from "../support/wait.ts";

const UPSTREAM_KEY = "sk-reload-upstream-0123456789";
const CLIENTS = 6;
const SLOW_CHUNKS = 6;
const SLOW_TEXT = Array.from({ length: SLOW_CHUNKS }, (_, i) => `t${i} `).join("");

let bundleA: string;
let bundleB: string;
let mock: MockUpstream;
let gw: RunningGateway | null = null;

beforeAll(async () => {
  // A request saying "slow" gets a stream of 6 events 60 ms apart: streams are in flight at every moment.
  mock = await startMockUpstream({
    api: "openai",
    default: (req) => (String(req.json?.messages?.[0]?.content ?? "") === "slow" ? { kind: "slowStream", chunks: SLOW_CHUNKS, intervalMs: 60 } : { kind: "reply" }),
  });
  [{ bundle: bundleA }, { bundle: bundleB }] = await Promise.all([buildCase("reload-a", "test/e2e/reload-a.routes.yaml"), buildCase("reload-b", "test/e2e/reload-b.routes.yaml")]);
}, 300_000);
afterAll(async () => {
  await gw?.stop();
  await mock?.close();
});

interface Outcome {
  ok: number;
  failures: string[];
}

/** One client: plain and streamed requests in turn on a keep-alive pool, each checked whole, until `done()`. */
async function load(url: string, agent: Agent, done: () => boolean, outcome: Outcome): Promise<void> {
  for (let i = 0; !done(); i++) {
    const stream = i % 2 === 1;
    const body = JSON.stringify({ model: "fast", messages: [{ role: "user", content: stream ? "slow" : "hi" }], ...(stream ? { stream: true } : {}) });
    try {
      const res = await request(`${url}/v1/chat/completions`, { method: "POST", dispatcher: agent, headers: { "content-type": "application/json" }, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text}`);
      if (stream) {
        const content = text
          .split("\n")
          .filter((line) => line.startsWith("data: {"))
          .map((line) => JSON.parse(line.slice(6)).choices?.[0]?.delta?.content ?? "")
          .join("");
        if (content !== SLOW_TEXT || !text.includes("data: [DONE]")) throw new Error(`incomplete stream: ${JSON.stringify(text.slice(-200))}`);
      } else if (JSON.parse(text).choices[0].message.content !== "Hello from the mock upstream.") throw new Error(`unexpected body ${text}`);
      outcome.ok++;
    } catch (error) {
      outcome.failures.push(`${stream ? "stream" : "plain"}: ${(error as Error).message}`);
    }
  }
}

const upstreamModels = () => mock.requests.map((r) => r.json?.model as string);

describe("reload under load", () => {
  it("switches to a rebuilt bundle, then reloads on SIGHUP, with no failed request and no lost log line", async () => {
    // The served bundle is a copy, as a deployment has it: the "rebuild" renames the new one over it.
    const dir = mkdtempSync(path.join(tmpdir(), "switchyard-reload-"));
    mkdirSync(path.join(dir, "app"));
    const served = path.join(dir, "app/server.mjs");
    copyFileSync(bundleA, served);
    symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    gw = await startGateway(served, { UPSTREAM_URL: mock.url, UPSTREAM_KEY }, { cwd: dir, args: ["--workers", "2", "--watch"] });

    const agent = new Agent({ connections: CLIENTS });
    const outcome: Outcome = { ok: 0, failures: [] };
    let stop = false;
    const clients = Array.from({ length: CLIENTS }, () => load(gw!.url, agent, () => stop, outcome));
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const beforeChange = mock.requests.length;
      expect(beforeChange).toBeGreaterThan(CLIENTS);
      expect(new Set(upstreamModels())).toEqual(new Set(["upstream-a"]));

      // (1) The rebuild: written beside the served file, renamed over it (generator/bundle.ts does the same).
      copyFileSync(bundleB, `${served}.tmp`);
      renameSync(`${served}.tmp`, served);
      await waitForOutput(gw!, "reloaded (the bundle changed): generation 2 serving http://127.0.0.1", 60_000);
      const afterFirst = mock.requests.length;
      await new Promise((r) => setTimeout(r, 1500));
      // New connections reach the new bundle; connections to the old one were told to close.
      expect(upstreamModels().slice(afterFirst)).toContain("upstream-b");

      // (2) SIGHUP reloads the same (new) bundle again.
      gw.process.kill("SIGHUP");
      await waitForOutput(gw!, "reloaded (SIGHUP): generation 3 serving http://127.0.0.1", 60_000);
      // The first generation's workers drained and left while requests kept coming.
      await waitForOutput(gw!, "of a previous generation drained and exited", 60_000);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      stop = true;
      await Promise.all(clients);
      await agent.close();
    }
    const sent = outcome.ok + outcome.failures.length;
    console.log(`reload under load: ${sent} requests (half of them streamed) across 2 reloads, ${outcome.failures.length} failed`);
    expect(outcome.failures).toEqual([]);
    expect(outcome.ok).toBeGreaterThan(CLIENTS * 4);
    // Once the second generation took over, everything reaching the upstream is the changed config.
    const models = upstreamModels();
    expect(models.slice(-CLIENTS * 2).every((m) => m === "upstream-b")).toBe(true);
    // Every worker of generations 1 and 2 exited 0 after draining: 2 reloads × 2 workers.
    await waitForOutput(gw!, "of a previous generation drained and exited", 60_000);
    expect(await gw.stop("SIGTERM")).toBe(0);
    const messages = logMessages(gw.output());
    expect(messages.match(/of a previous generation drained and exited/g)?.length).toBe(4);
    expect(messages).not.toMatch(/while draining|did not drain|reload failed/);
    // One request-log line per request: written by three generations into the same JSONL file, none lost.
    const records = gw.logRecords();
    expect(records.length).toBe(sent);
    expect(records.every((r) => r.status === 200)).toBe(true);
    expect(new Set(records.map((r) => r.id)).size).toBe(sent);
  }, 180_000);
});
