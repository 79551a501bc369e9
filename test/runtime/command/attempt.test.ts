// attemptCommand against small Node scripts standing in for a CLI (test/fixtures/commands), with a
// recording ClientResponse: what reaches the client in each API, failures before and after output,
// timeouts, aborts, the concurrency limit, and the child's environment.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { attemptCommand } from "../../../runtime/command/attempt.ts";
import type { AttemptOutcome } from "../../../runtime/attempts/http.ts";
import { attemptRequest, FakeClient, isAlive, nodeUpstream, parseSse, waitUntil } from "./support.ts";

const PROMPT = "héllo wörld 🚀 ünïcödé";
const ANSWER = `You said: ${PROMPT}`;
const userMessage = (content = PROMPT) => ({ messages: [{ role: "user", content }] });

function relayed(outcome: AttemptOutcome) {
  if (outcome.kind !== "relayed") throw new Error(`expected relayed, got ${JSON.stringify(outcome)}`);
  return outcome;
}
function failed(outcome: AttemptOutcome) {
  if (outcome.kind !== "failed") throw new Error(`expected failed, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** A file the hang.mjs fixture writes its pids to. */
function pidFile(): { path: string; pids: () => number[] } {
  const path = join(mkdtempSync(join(tmpdir(), "switchyard-cmd-")), "pids");
  return { path, pids: () => readFileSync(path, "utf8").trim().split("\n").map(Number) };
}

/** Pids of fixtures a test started, checked and cleaned up after it. */
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (isAlive(pid)) process.kill(pid, "SIGKILL");
});

describe("attemptCommand, openai client", () => {
  it("streams the output as chat.completion.chunk events: role, content, finish, usage, [DONE]", async () => {
    const upstream = nodeUpstream("echo-prompt.mjs");
    const client = new FakeClient();
    const body = { model: "claude-cli", stream: true, stream_options: { include_usage: true }, ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("openai", body), body, upstream, client.client));

    expect(client.status).toBe(200);
    expect(client.headers["content-type"]).toMatch(/^text\/event-stream/);
    expect(client.headers["x-switchyard-request-id"]).toBe("req-1");
    expect(client.ended).toBe(true);
    const events = parseSse(client.output);
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ id: "chatcmpl-req-1", object: "chat.completion.chunk", model: "claude-cli" });
      expect(events.every((e) => e.event === undefined)).toBe(true);
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    const content = chunks.slice(1, -2);
    expect(content.length).toBeGreaterThan(1);
    expect(content.map((c) => c.choices[0].delta.content).join("")).toBe(ANSWER);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.usage).toBeNull();
    expect(chunks.at(-2).choices).toEqual([{ index: 0, delta: {}, finish_reason: "stop", logprobs: null }]);
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: Math.ceil(PROMPT.length / 4), completion_tokens: Math.ceil(ANSWER.length / 4) });

    expect(outcome.status).toBe(200);
    expect(outcome.error).toBeUndefined();
    expect(outcome.responseBody).toBeUndefined();
    expect(outcome.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(outcome.summary).toEqual({
      usage: expect.objectContaining({ prompt_tokens: Math.ceil(PROMPT.length / 4), completion_tokens: Math.ceil(ANSWER.length / 4), input_tokens: Math.ceil(PROMPT.length / 4) }),
      usageEstimated: true,
      text: ANSWER,
      reasoning: "",
      toolCalls: [],
      finishReason: "stop",
      error: null,
    });
  });

  it("leaves usage out of the chunks unless include_usage is asked for", async () => {
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    relayed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("echo-prompt.mjs"), client.client));
    const events = parseSse(client.output);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks.some((c) => "usage" in c)).toBe(false);
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
  });

  it("answers a non-stream request with one chat.completion body, after the command exits", async () => {
    const client = new FakeClient();
    const body = { model: "m", ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("echo-prompt.mjs"), client.client));
    expect(client.headers["content-type"]).toBe("application/json");
    const json = JSON.parse(client.body!);
    expect(json).toMatchObject({
      id: "chatcmpl-req-1",
      object: "chat.completion",
      model: "m",
      choices: [{ index: 0, message: { role: "assistant", content: ANSWER }, finish_reason: "stop" }],
      usage: { prompt_tokens: Math.ceil(PROMPT.length / 4), completion_tokens: Math.ceil(ANSWER.length / 4) },
    });
    expect(outcome.responseBody).toBe(client.body);
    expect(outcome.summary?.text).toBe(ANSWER);
  });

  it("passes the prompt as the last argument when prompt is arg", async () => {
    const client = new FakeClient();
    const body = { model: "m", ...userMessage("as an argument") };
    relayed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("echo-prompt.mjs", { prompt: "arg" }), client.client));
    expect(JSON.parse(client.body!).choices[0].message.content).toBe("You said: as an argument");
  });
});

describe("attemptCommand, anthropic client", () => {
  it("streams the output as message events: start, one text block, delta, stop", async () => {
    const client = new FakeClient();
    const body = { model: "claude-cli", max_tokens: 100, stream: true, system: "Be brief.", ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("anthropic", body), body, nodeUpstream("echo-prompt.mjs"), client.client));
    const prompt = `System: Be brief.\n\nUser: ${PROMPT}`;

    const events = parseSse(client.output);
    for (const event of events) expect(JSON.parse(event.data).type).toBe(event.event);
    const names = events.map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(["message_start", "ping", "content_block_start"]);
    expect(names.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    const deltas = events.slice(3, -3).map((e) => JSON.parse(e.data));
    expect(deltas.length).toBeGreaterThan(1);
    for (const delta of deltas) expect(delta).toMatchObject({ type: "content_block_delta", index: 0, delta: { type: "text_delta" } });
    expect(deltas.map((d) => d.delta.text).join("")).toBe(`You said: ${prompt}`);

    const start = JSON.parse(events[0]!.data).message;
    expect(start).toMatchObject({ id: "msg_req-1", type: "message", role: "assistant", model: "claude-cli", content: [], stop_reason: null });
    expect(start.usage.input_tokens).toBe(Math.ceil(prompt.length / 4));
    expect(JSON.parse(events[2]!.data)).toEqual({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    const messageDelta = JSON.parse(events.at(-2)!.data);
    expect(messageDelta.delta).toEqual({ stop_reason: "end_turn", stop_sequence: null });
    expect(messageDelta.usage.output_tokens).toBe(Math.ceil(`You said: ${prompt}`.length / 4));
    expect(outcome.summary?.finishReason).toBe("end_turn");
  });

  it("answers a non-stream request with one message body", async () => {
    const client = new FakeClient();
    const body = { model: "claude-cli", max_tokens: 100, ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("anthropic", body), body, nodeUpstream("echo-prompt.mjs"), client.client));
    expect(JSON.parse(client.body!)).toMatchObject({
      id: "msg_req-1",
      type: "message",
      role: "assistant",
      model: "claude-cli",
      content: [{ type: "text", text: ANSWER }],
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: Math.ceil(PROMPT.length / 4), output_tokens: Math.ceil(ANSWER.length / 4) },
    });
    expect(outcome.responseBody).toBe(client.body);
  });
});

describe("attemptCommand, output decoding", () => {
  it("strips ANSI and keeps multibyte characters whole when every byte arrives on its own", async () => {
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const upstream = nodeUpstream("echo-prompt.mjs", { env: { CHUNK_BYTES: "1", DELAY_MS: "1" } });
    relayed(await attemptCommand(attemptRequest("openai", body), body, upstream, client.client));
    const deltas = parseSse(client.output)
      .slice(1, -2)
      .map((e) => JSON.parse(e.data).choices[0].delta.content as string);
    expect(deltas.join("")).toBe(ANSWER);
    expect(deltas.length).toBeGreaterThan(5);
    for (const delta of deltas) {
      expect(delta).not.toMatch(/[\x1b\ufffd]/);
      expect(delta.length).toBeGreaterThan(0);
    }
  });

  it("relays a long answer whole through a client that keeps pushing back", async () => {
    const client = new FakeClient();
    let pauses = 0;
    client.onWrite = (fake) => {
      // From the first write on, every fifth: a loaded machine may deliver the output in a few large chunks.
      if ((fake.writes.length - 1) % 5 !== 0 || fake.source === null) return;
      pauses++;
      fake.source.pause();
      setTimeout(() => fake.source!.resume(), 1);
    };
    const body = { model: "m", stream: true, ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("write-lots.mjs", { env: { LINES: "5000" } }), client.client));
    const expected = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"é".repeat(20)}\n`).join("");
    expect(outcome.summary?.text).toBe(expected);
    expect(typeof client.source?.pause).toBe("function");
    expect(pauses).toBeGreaterThan(0);
    expect(client.ended).toBe(true);
  });

  it("counts the output but keeps no text when the log does not assemble it", async () => {
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("openai", body, false), body, nodeUpstream("echo-prompt.mjs"), client.client));
    expect(outcome.summary?.text).toBe("");
    expect(outcome.summary?.usage?.completion_tokens).toBe(Math.ceil(ANSWER.length / 4));
  });
});

describe("attemptCommand, failures", () => {
  it("a command that fails before any output is failed, with its exit code and the tail of stderr", async () => {
    for (const stream of [true, false]) {
      const client = new FakeClient();
      const body = { model: "m", stream, ...userMessage() };
      const outcome = failed(await attemptCommand(attemptRequest("anthropic", body), body, nodeUpstream("fail-fast.mjs"), client.client));
      expect(outcome.reason).toMatch(/^command exited with code 3: .*error: not logged in, run `login` first$/s);
      expect(outcome.reason).not.toContain("\x1b");
      expect(outcome.reason.length).toBeLessThan(360);
      expect(outcome.timeout).toBe(false);
      expect(outcome.status).toBeNull();
      expect(client.started).toBe(false);
    }
  });

  it("a missing executable is failed with ENOENT", async () => {
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const upstream = nodeUpstream("echo-prompt.mjs", { command: "/nonexistent/switchyard-cli" });
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, upstream, client.client));
    expect(outcome.reason).toBe("cannot run /nonexistent/switchyard-cli: ENOENT");
    expect(client.started).toBe(false);
  });

  it("a prompt too long for an argument is failed, so the route falls back", async () => {
    const client = new FakeClient();
    const body = { model: "m", ...userMessage("x".repeat(200_000)) };
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("echo-prompt.mjs", { prompt: "arg" }), client.client));
    expect(outcome.reason).toMatch(/^cannot run .*: spawn E2BIG$/);
    expect(client.started).toBe(false);
  });

  it("a command that exits 0 without output is failed, so the route falls back", async () => {
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("silent.mjs"), client.client));
    expect(outcome.reason).toBe("command exited with code 0 without output: nothing to say");
    expect(client.started).toBe(false);
  });

  it("a stream whose command fails after output is cut: relayed, with the error, connection closed", async () => {
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const outcome = relayed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("fail-late.mjs"), client.client));
    expect(outcome.error).toBe("command exited with code 1: panic: connection reset");
    expect(outcome.summary?.text).toBe("Partial answer");
    expect(client.closed).toBe(true);
    expect(client.ended).toBe(false);
    expect(client.output).not.toContain("[DONE]");
  });

  it("a non-stream command that fails after output is failed: nothing reached the client", async () => {
    const client = new FakeClient();
    const body = { model: "m", ...userMessage() };
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, nodeUpstream("fail-late.mjs"), client.client));
    expect(outcome.reason).toBe("command exited with code 1: panic: connection reset");
    expect(client.started).toBe(false);
  });
});

describe("attemptCommand, stopping the process", () => {
  it("a timeout before output kills the process group and fails with timeout", async () => {
    const pids = pidFile();
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const upstream = nodeUpstream("hang.mjs", { timeoutMs: 500, env: { PID_FILE: pids.path, GRANDCHILD: "1" } });
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, upstream, client.client));
    started.push(...pids.pids());
    expect(outcome).toMatchObject({ reason: "timed out after 500 ms", timeout: true });
    expect(client.started).toBe(false);
    const [pid, grandchild] = pids.pids();
    expect(isAlive(pid!)).toBe(false);
    expect(await waitUntil(() => !isAlive(grandchild!))).toBe(true);
  });

  it("a timeout after output cuts the stream", async () => {
    const pids = pidFile();
    const client = new FakeClient();
    const body = { model: "m", stream: true, ...userMessage() };
    const upstream = nodeUpstream("hang.mjs", { timeoutMs: 300, env: { PID_FILE: pids.path, PRINT: "Thinking…" } });
    const outcome = relayed(await attemptCommand(attemptRequest("anthropic", body), body, upstream, client.client));
    started.push(...pids.pids());
    expect(outcome.error).toBe("timed out after 300 ms");
    expect(outcome.summary?.text).toBe("Thinking…");
    expect(client.closed).toBe(true);
    expect(isAlive(pids.pids()[0]!)).toBe(false);
  });

  it("a process that ignores SIGTERM gets SIGKILL two seconds later", async () => {
    const pids = pidFile();
    const client = new FakeClient();
    const body = { model: "m", ...userMessage() };
    const upstream = nodeUpstream("hang.mjs", { timeoutMs: 200, env: { PID_FILE: pids.path, IGNORE_TERM: "1" } });
    const begun = performance.now();
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, upstream, client.client));
    started.push(...pids.pids());
    expect(outcome.timeout).toBe(true);
    expect(performance.now() - begun).toBeGreaterThanOrEqual(2000);
    expect(isAlive(pids.pids()[0]!)).toBe(false);
  });

  it("the client going away mid-stream kills the process", async () => {
    const pids = pidFile();
    const client = new FakeClient();
    client.onWrite = (fake) => queueMicrotask(() => fake.abort());
    const body = { model: "m", stream: true, ...userMessage() };
    const upstream = nodeUpstream("hang.mjs", { env: { PID_FILE: pids.path, PRINT: "Hello" } });
    const outcome = await attemptCommand(attemptRequest("openai", body), body, upstream, client.client);
    started.push(...pids.pids());
    expect(outcome.kind).toBe("client-gone");
    expect(isAlive(pids.pids()[0]!)).toBe(false);
  });

  it("the client going away before any output kills the process", async () => {
    const pids = pidFile();
    const client = new FakeClient();
    const body = { model: "m", ...userMessage() };
    const upstream = nodeUpstream("hang.mjs", { env: { PID_FILE: pids.path } });
    const attempt = attemptCommand(attemptRequest("openai", body), body, upstream, client.client);
    await waitUntil(() => {
      try {
        return pids.pids().length > 0;
      } catch {
        return false;
      }
    });
    client.abort();
    const outcome = await attempt;
    started.push(...pids.pids());
    expect(outcome.kind).toBe("client-gone");
    expect(isAlive(pids.pids()[0]!)).toBe(false);
    expect(upstream.limiter.running).toBe(0);
  });
});

describe("attemptCommand, concurrency", () => {
  it("runs at most maxConcurrent, queues up to the bound, and turns the rest away as busy", async () => {
    const upstream = nodeUpstream("hang.mjs", { maxConcurrent: 1, maxQueued: 1, env: { PRINT: "working" } });
    const body = { model: "m", stream: true, ...userMessage() };
    const [a, b, c] = [new FakeClient(), new FakeClient(), new FakeClient()];
    const first = attemptCommand(attemptRequest("openai", body), body, upstream, a.client);
    const second = attemptCommand(attemptRequest("openai", body), body, upstream, b.client);
    const third = failed(await attemptCommand(attemptRequest("openai", body), body, upstream, c.client));
    expect(third.reason).toBe("busy: 1 running, 1 waiting");
    expect(third.timeout).toBe(false);
    expect(upstream.limiter.running).toBe(1);
    expect(upstream.limiter.waiting).toBe(1);

    // A waiter whose client goes away leaves the queue without running anything.
    b.abort();
    expect((await second).kind).toBe("client-gone");
    expect(upstream.limiter.waiting).toBe(0);
    expect(b.started).toBe(false);

    await waitUntil(() => a.started);
    a.abort();
    expect((await first).kind).toBe("client-gone");
    expect(upstream.limiter.running).toBe(0);
  });

  it("a request that waits longer than timeoutMs for a slot fails as a timeout", async () => {
    const upstream = nodeUpstream("echo-prompt.mjs", { maxConcurrent: 1, timeoutMs: 200 });
    const held = await upstream.limiter.acquire();
    if (typeof held !== "function") throw new Error("no slot");
    const body = { model: "m", ...userMessage() };
    const outcome = failed(await attemptCommand(attemptRequest("openai", body), body, upstream, new FakeClient().client));
    expect(outcome).toMatchObject({ reason: "busy: no free slot within 200 ms", timeout: true });
    expect(upstream.limiter.waiting).toBe(0);
    held();
    // The slot is free again (the next request would get it at once; running one would time the command itself).
    const next = await upstream.limiter.acquire();
    expect(typeof next).toBe("function");
    if (typeof next === "function") next();
  });
});

describe("attemptCommand, environment", () => {
  it("gives the command PATH, HOME and its own env, never the gateway's provider keys", async () => {
    const saved = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY };
    process.env.OPENAI_API_KEY = "sk-gateway-openai-key-0123456789";
    process.env.ANTHROPIC_API_KEY = "sk-ant-gateway-key-0123456789";
    try {
      const client = new FakeClient();
      const body = { model: "m", ...userMessage() };
      const upstream = nodeUpstream("print-env.mjs", { env: { CLI_TOKEN: "for-the-cli", HOME: "/tmp/cli-home" } });
      relayed(await attemptCommand(attemptRequest("openai", body), body, upstream, client.client));
      const env = JSON.parse(JSON.parse(client.body!).choices[0].message.content);
      expect(env.OPENAI_API_KEY).toBeUndefined();
      expect(env.ANTHROPIC_API_KEY).toBeUndefined();
      expect(client.body).not.toContain("gateway");
      expect(env).toMatchObject({ PATH: process.env.PATH, HOME: "/tmp/cli-home", CLI_TOKEN: "for-the-cli" });
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
