// The scenario control API through the built bundle: a scenario loaded at run time (by file and by YAML text)
// is driven by the official SDKs in two sessions at once, and its report says which assertions passed, failed
// or are still pending, with their file:line; then reset, replace, unload, and the errors: no admin key,
// a wrong one, bad YAML with line:col, a file outside the working directory, an unknown scenario.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, root, startGateway, type RunningGateway } from "../support/gateway.ts";

const ADMIN_KEY = "admin-key-for-the-scenarios-test-0123456789";
let gw: RunningGateway;

beforeAll(async () => {
  const { bundle } = await buildCase("scenarios", "test/e2e/scenarios.routes.yaml");
  // The gateway's working directory holds the scenario files the API may load; a secret lies beside it.
  const parent = mkdtempSync(path.join(tmpdir(), "switchyard-scenarios-"));
  const cwd = path.join(parent, "gateway");
  mkdirSync(path.join(cwd, "scenarios"), { recursive: true });
  copyFileSync(path.join(root, "test/fixtures/scenarios/asserts.yaml"), path.join(cwd, "scenarios/agent.yaml"));
  writeFileSync(path.join(parent, "outside.yaml"), "timeline:\n  - assistant: [[0, hi]]\n");
  gw = await startGateway(bundle, { SWITCHYARD_ADMIN_KEY: ADMIN_KEY }, { cwd });
}, 240_000);
afterAll(async () => {
  await gw?.stop();
});

/** A control API call; `key` null sends no Authorization header. */
async function api(method: string, route: string, body?: unknown, key: string | null = ADMIN_KEY): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = body === undefined ? {} : { "content-type": "application/json" };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${gw.url}/_switchyard/scenarios${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const picked = (scenario: string, session?: string) => ({ "x-switchyard-scenario": scenario, ...(session === undefined ? {} : { "x-switchyard-session": session }) });
const openai = (headers: Record<string, string>, apiKey = "unused") => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0, defaultHeaders: headers });
const anthropic = (headers: Record<string, string>) => new Anthropic({ baseURL: gw.url, apiKey: "unused", maxRetries: 0, defaultHeaders: headers });

/** The whole conversation of test/fixtures/scenarios/asserts.yaml, answered as it expects, over the OpenAI SDK (streamed first). */
async function playWell(client: OpenAI): Promise<string> {
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "please list the files" }];
  let text = "";
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for await (const chunk of await client.chat.completions.create({ model: "scripted", messages, stream: true })) {
    text += chunk.choices[0]?.delta.content ?? "";
    for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
      calls[call.index] ??= { id: call.id!, name: call.function!.name!, arguments: "" };
      calls[call.index]!.arguments += call.function?.arguments ?? "";
    }
  }
  expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([["runCmd", { cmd: "ls" }]]);
  messages.push({ role: "assistant", content: text, tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) });
  messages.push({ role: "tool", tool_call_id: calls[0]!.id, content: "README.md\nsrc\n" });

  const second = await client.chat.completions.create({ model: "scripted", messages });
  const reply = second.choices[0]!.message;
  expect(reply.tool_calls!.map((c) => c.type === "function" && c.function.name)).toEqual(["readFile", "grep"]);
  messages.push({ role: "assistant", content: reply.content, tool_calls: reply.tool_calls });
  messages.push({ role: "tool", tool_call_id: reply.tool_calls![0]!.id, content: "server:\n  port: 8787\n" });
  messages.push({ role: "tool", tool_call_id: reply.tool_calls![1]!.id, content: "routes.yaml:14:  - model: demo" });

  const third = await client.chat.completions.create({ model: "scripted", messages });
  messages.push({ role: "assistant", content: third.choices[0]!.message.content }, { role: "user", content: "Thanks, that's all." });
  const last = await client.chat.completions.create({ model: "scripted", messages });
  return `${third.choices[0]!.message.content}|${last.choices[0]!.message.content}`;
}

/** The same scenario over the Anthropic SDK, answered wrongly twice, and left before its end. */
async function playBadly(client: Anthropic): Promise<void> {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: "hello there" }];
  const first = await client.messages.create({ model: "scripted", max_tokens: 100, messages });
  const use = first.content.find((block) => block.type === "tool_use")!;
  expect(use.name).toBe("runCmd");
  messages.push({ role: "assistant", content: first.content });
  messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "src\n" }] });
  const second = await client.messages.stream({ model: "scripted", max_tokens: 100, messages }).finalMessage();
  expect(second.content.filter((block) => block.type === "tool_use").map((block) => block.type === "tool_use" && block.name)).toEqual(["readFile", "grep"]);
}

describe("the scenario control API", () => {
  it("refuses calls without the admin key (401) or with another key (403), in OpenAI's error shape", async () => {
    const anonymous = await api("GET", "", undefined, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: { message: "missing admin key: send it as Authorization: Bearer <key>", type: "authentication_error", param: null, code: "invalid_admin_key" } });
    const wrong = await api("POST", "", { yaml: "timeline: []" }, "sk-not-the-admin-key-000000");
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({ message: "invalid admin key", type: "permission_error" });
  });

  it("rejects bad YAML with its line:col, and files outside the working directory", async () => {
    const bad = await api("POST", "", { name: "broken", yaml: "name: broken\ntimeline:\n  - assert:\n      request.lastUserMessage.matches: \"(oops\"\n  - assistant: [[0, hi]]\n  - llmRespons: []\n" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_scenario");
    expect(bad.body.error.message).toBe("broken.yaml:4:40: invalid regular expression: Invalid regular expression: /(oops/: Unterminated group");
    expect(bad.body.error.diagnostics).toEqual([
      { file: "broken.yaml", line: 4, col: 40, message: "invalid regular expression: Invalid regular expression: /(oops/: Unterminated group" },
    ]);
    const unparsable = await api("POST", "", { yaml: "timeline:\n  - assistant: [[0, hi]\n" });
    expect(unparsable.status).toBe(400);
    expect(unparsable.body.error.diagnostics[0]).toMatchObject({ file: "scenario.yaml", line: 3 });

    const outside = await api("POST", "", { file: "../outside.yaml" });
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toContain("is outside the gateway's working directory");
    expect((await api("POST", "", { file: "scenarios/missing.yaml" })).body.error.message).toBe('cannot read "scenarios/missing.yaml": ENOENT');
    expect((await api("POST", "", { yaml: "x", file: "y" })).status).toBe(400);
    expect((await api("GET", "")).body.scenarios.map((s: any) => s.name)).toEqual(["demo", "checked"]);
  });

  it("loads a file, plays two sessions at once through both SDKs, and reports each assertion with its file:line", async () => {
    const loaded = await api("POST", "", { file: "scenarios/agent.yaml", name: "agent" });
    expect(loaded).toEqual({ status: 201, body: { name: "agent", responses: 3, warnings: [] } });
    expect((await api("GET", "")).body).toEqual({
      scenarios: [
        { name: "demo", source: "bundled (provider demo)", sessions: 0 },
        { name: "checked", source: "bundled (provider checked)", sessions: 0 },
        { name: "agent", source: "scenarios/agent.yaml", sessions: 0 },
      ],
    });
    const pending = await api("GET", "/agent/report");
    expect(pending.body.passed).toBe(false);
    expect(pending.body.assertions[0]).toEqual({ session: null, at: "scenarios/agent.yaml:6", kind: "request.lastUserMessage.contains", status: "pending", message: "no request has played this scenario yet" });

    const [answers] = await Promise.all([playWell(openai(picked("agent", "alice"))), playBadly(anthropic(picked("agent", "bob")))]);
    expect(answers).toBe("All done.|All done.");

    const status = await api("GET", "/agent");
    expect(status.body).toEqual({
      name: "agent",
      sessions: expect.arrayContaining([
        { session: "alice", turn: 3, timeMs: 10 + 100 + 20 + 30, eventsLeft: 0, assertions: { passed: 6, failed: 0, pending: 0, skipped: 1 } },
        { session: "bob", turn: 2, timeMs: 10 + 100 + 20, eventsLeft: 1, assertions: { passed: 0, failed: 2, pending: 4, skipped: 1 } },
      ]),
    });
    expect(status.body.sessions).toHaveLength(2);

    const report = (await api("GET", "/agent/report")).body;
    expect(report.passed).toBe(false);
    const of = (session: string) => report.assertions.filter((a: any) => a.session === session).map((a: any) => `${a.at} ${a.kind} ${a.status}`);
    expect(of("alice")).toEqual([
      "scenarios/agent.yaml:6 request.lastUserMessage.contains passed",
      "scenarios/agent.yaml:13 request.toolResult passed",
      "scenarios/agent.yaml:21 request.toolResult passed",
      "scenarios/agent.yaml:22 request.toolResult passed",
      "scenarios/agent.yaml:23 request.toolResult passed",
      "scenarios/agent.yaml:24 fs.exists skipped",
      "scenarios/agent.yaml:28 request.lastUserMessage.matches passed",
    ]);
    expect(of("bob")).toEqual([
      "scenarios/agent.yaml:6 request.lastUserMessage.contains failed",
      "scenarios/agent.yaml:13 request.toolResult failed",
      "scenarios/agent.yaml:21 request.toolResult pending",
      "scenarios/agent.yaml:22 request.toolResult pending",
      "scenarios/agent.yaml:23 request.toolResult pending",
      "scenarios/agent.yaml:24 fs.exists skipped",
      "scenarios/agent.yaml:28 request.lastUserMessage.matches pending",
    ]);
    const bobFailures = report.assertions.filter((a: any) => a.session === "bob" && a.status === "failed").map((a: any) => a.message);
    expect(bobFailures[0]).toBe('the last user message does not contain "list the files": it reads "hello there"');
    expect(bobFailures[1]).toMatch(/^the result for runCmd \(tool call 0 of response 0\) does not contain "README\.md": it reads "src\\n"$/);

    // Reset: the sessions start over, the scenario stays loaded.
    expect(await api("POST", "/agent/reset")).toEqual({ status: 200, body: { name: "agent", sessions: [] } });
    expect((await api("GET", "/agent")).body).toEqual({ name: "agent", sessions: [] });
    await playWell(openai(picked("agent", "alice")));
    expect((await api("GET", "/agent/report")).body.passed).toBe(true);
  });

  it("keeps sessions per client key without the session header, and the bundled scenario without the scenario header", async () => {
    const before = (await api("GET", "/demo")).body.sessions.length;
    await openai({}, "key-one").chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Hi" }] });
    await openai({}, "key-two").chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Hi" }] });
    await openai({}, "key-two").chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Hi" }] });
    const sessions = (await api("GET", "/demo")).body.sessions;
    expect(sessions.length).toBe(before + 2);
    // Key ids, never the keys themselves.
    expect(JSON.stringify(sessions)).not.toContain("key-one");
    // Session names are kept in memory: a bounded length.
    const long = await openai({ "x-switchyard-session": "s".repeat(129) }).chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Hi" }] }).catch((error: unknown) => error);
    expect(long).toBeInstanceOf(OpenAI.BadRequestError);
    expect((long as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ message: "x-switchyard-session is longer than 128 characters", code: "invalid_session" });
  });

  it("runs the asserts of a scenario bundled by the build, named after its provider", async () => {
    const client = openai({ "x-switchyard-session": "built" });
    await client.chat.completions.create({ model: "checked", messages: [{ role: "user", content: "list the files" }] });
    const report = (await api("GET", "/checked/report")).body;
    expect(report.assertions.slice(0, 2)).toEqual([
      // Named by its path from where the build ran, as build diagnostics name it.
      { session: "built", at: "test/fixtures/scenarios/asserts.yaml:6", kind: "request.lastUserMessage.contains", status: "passed", message: "" },
      { session: "built", at: "test/fixtures/scenarios/asserts.yaml:13", kind: "request.toolResult", status: "pending", message: "waiting for the request that response 2 answers (1 assistant turn in its history)" },
    ]);
  });

  it("replaces a scenario loaded again under the same name, unloads it, and answers an unknown name in the client's format", async () => {
    const yaml = "name: other\ntimeline:\n  - assert:\n      screen.shows: prompt\n  - assistant: [[0, \"replaced\"]]\n";
    const replaced = await api("POST", "", { name: "agent", yaml });
    expect(replaced).toEqual({ status: 201, body: { name: "agent", responses: 1, warnings: [{ file: "agent.yaml", line: 4, col: 7, message: 'unknown assertion kind "screen.shows" (skipped)' }] } });
    const answer = await openai(picked("agent")).chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Hi" }] });
    expect(answer.choices[0]!.message.content).toBe("replaced");
    expect((await api("GET", "/agent/report")).body).toEqual({
      name: "agent",
      passed: true,
      assertions: [{ session: expect.any(String), at: "agent.yaml:4", kind: "screen.shows", status: "skipped", message: 'unknown assertion kind "screen.shows"' }],
    });

    expect(await api("DELETE", "/agent")).toEqual({ status: 200, body: { name: "agent", deleted: true } });
    expect((await api("GET", "/agent")).status).toBe(404);
    expect((await api("DELETE", "/agent")).status).toBe(404);
    expect((await api("DELETE", "/demo")).status).toBe(409);
    expect((await api("POST", "", { name: "demo", yaml })).status).toBe(409);

    const gone = await anthropic(picked("agent")).messages.create({ model: "scripted", max_tokens: 10, messages: [{ role: "user", content: "Hi" }] }).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(Anthropic.NotFoundError);
    expect((gone as InstanceType<typeof Anthropic.NotFoundError>).error).toEqual({
      type: "error",
      error: { type: "not_found_error", message: expect.stringContaining('no scenario named "agent" is loaded') },
    });
  });
});
