// `assert` events: compiled with line:col diagnostics (generator/scenario-assert.ts), run against requests in
// either API's shape (runtime/scenario/checks/), and tracked per session (runtime/scenario/session/).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";
import { prepareCheck } from "../../runtime/scenario/checks/evaluate.ts";
import { PlayableScenario } from "../../runtime/scenario/session/playable.ts";
import { BundledScenarioError, ScenarioRegistry } from "../../runtime/scenario/session/registry.ts";
import type { CompiledScenario, ScenarioCheck } from "../../runtime/scenario/types.ts";

const FIXTURE = readFileSync(fileURLToPath(new URL("../fixtures/scenarios/asserts.yaml", import.meta.url)), "utf8");
const compiled = (): CompiledScenario => {
  const { scenario, diagnostics } = compileScenario("asserts.yaml", FIXTURE);
  expect(diagnostics).toEqual([]);
  return scenario!;
};
/** `line:col severity: message` of every diagnostic. */
const render = (text: string) => compileScenario("s.yaml", text).diagnostics.map((d) => `${d.line}:${d.col} ${d.severity}: ${d.message}`);
const withTimeline = (events: string) => `timeline:\n  - llmResponse:\n      - assistant: [[0, "hi"]]\n      - runCmd: { cmd: ls }\n${events}`;

describe("compiling assert events", () => {
  it("attaches each assert to the response that answers the request it checks", () => {
    const scenario = compiled();
    expect(scenario.responses.map((r) => (r.checks ?? []).map((c) => `${c.kind} ${c.at}`))).toEqual([
      ["request.lastUserMessage.contains asserts.yaml:6"],
      ["request.toolResult asserts.yaml:13"],
      ["request.toolResult asserts.yaml:21", "request.toolResult asserts.yaml:22", "request.toolResult asserts.yaml:23", "fs.exists asserts.yaml:24"],
    ]);
    expect(scenario.finalChecks).toEqual([{ kind: "request.lastUserMessage.matches", at: "asserts.yaml:28", check: "lastUserMessage", test: { matches: { source: "^thanks", flags: "i" } } }]);
    const third = scenario.responses[2]!.checks!;
    // Positions count within the previous response; the alias reaches back to the first one's runCmd.
    expect(third.map((c) => (c.check === "toolResult" ? [c.response, c.call, c.tool] : c.check))).toEqual([[1, 0, "readFile"], [1, 1, "grep"], [0, 0, "runCmd"], "skipped"]);
    expect(scenario.responses[1]!.checks![0]).toEqual({ kind: "request.toolResult", at: "asserts.yaml:13", check: "toolResult", response: 0, call: 0, tool: "runCmd", tests: [{ contains: "README.md" }], isError: false });
  });

  it("accepts other runners' kinds nested or dotted, and warns on unknown kinds with their line", () => {
    const text = withTimeline(`  - assert:
      fs: { exists: [a], notExists: [b] }
      text.contains: [x]
      json: { file: package.json, pointer: /name, equals: x }
      git: { commit: { messageContains: fix } }
      screen.shows: prompt
      request: { lastUserMesage: { contains: hi } }
`);
    expect(render(text)).toEqual([
      `10:7 warning: unknown assertion kind "screen.shows" (skipped)`,
      `11:18 warning: unknown assertion kind "request.lastUserMesage" (skipped). Did you mean "request.lastUserMessage"?`,
    ]);
    const checks = compileScenario("s.yaml", text).scenario!.finalChecks!;
    expect(checks.map((c) => `${c.kind}:${c.check}`)).toEqual([
      "fs.exists:skipped", "fs.notExists:skipped", "text.contains:skipped", "json.file:skipped", "git.commit:skipped", "screen.shows:skipped", "request.lastUserMesage:skipped",
    ]);
  });

  it("reports bad assertions at their line and column", () => {
    expect(render(withTimeline(`  - assert:\n      request.lastUserMessage.matches: "(unclosed"\n`))).toEqual([
      "6:40 error: invalid regular expression: Invalid regular expression: /(unclosed/: Unterminated group",
    ]);
    expect(render(withTimeline(`  - assert:\n      request.toolResult: { call: 3 }\n`))).toEqual([
      "6:35 error: the previous llmResponse has 1 tool call (runCmd): `call` counts from 0",
    ]);
    expect(render(withTimeline(`  - assert:\n      request.lastUserMessage.contains: 42\n`))).toEqual([
      "6:41 error: `request.lastUserMessage.contains` must be a string or a list of strings",
    ]);
    expect(render(withTimeline(`  - assert:\n      request.lastUserMessage.matches: "/x/g"\n`))).toEqual([
      "6:40 error: the g and y flags are not allowed: each check tests its text once",
    ]);
    expect(render(withTimeline(`  - assert: yes\n`))).toEqual([
      '5:13 error: `assert` must be a mapping of checks, e.g. `request: { lastUserMessage: { contains: "hello" } }`',
    ]);
    expect(render(`timeline:\n  - assert:\n      request.toolResult: { contains: x }\n  - assistant: [[0, hi]]\n`)).toEqual([
      "3:7 error: there is no llmResponse before this assert: say which result is meant with `call: <position>` or `call: *alias`",
    ]);
    expect(render(withTimeline(`  - assert:\n      request.toolResult: { call: 0, isError: maybe, colour: red }\n`))).toEqual([
      "6:47 error: `isError` must be true or false",
      '6:54 warning: unknown toolResult key "colour" (ignored)',
    ]);
    // The scenario is refused when an assertion is wrong, even if every response is fine.
    expect(compileScenario("s.yaml", withTimeline(`  - assert:\n      request.toolResult: { call: 3 }\n`)).scenario).toBeNull();
  });
});

const check = (checks: readonly ScenarioCheck[] | undefined, index: number) => prepareCheck(checks![index]!).run!;

describe("running checks against requests", () => {
  const scenario = compiled();
  const openaiHistory = (result: string) => ({
    messages: [
      { role: "user", content: "please list the files" },
      { role: "assistant", content: "Listing them.", tool_calls: [{ id: "call_a", type: "function", function: { name: "runCmd", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_a", content: result },
    ],
  });
  const anthropicHistory = (result: unknown, isError = false) => ({
    messages: [
      { role: "user", content: [{ type: "text", text: "please list the files" }] },
      { role: "assistant", content: [{ type: "text", text: "Listing them." }, { type: "tool_use", id: "toolu_a", name: "Bash", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_a", content: result, is_error: isError }] },
    ],
  });

  it("last user message: text parts count, tool-result-only messages are passed over", () => {
    const run = check(scenario.responses[0]!.checks, 0);
    expect(run("openai", { messages: [{ role: "user", content: "please list the files" }] })).toBeNull();
    expect(run("openai", { messages: [{ role: "user", content: [{ type: "text", text: "list the files, please" }] }] })).toBeNull();
    expect(run("anthropic", anthropicHistory("README.md"))).toBeNull();
    expect(run("openai", { messages: [{ role: "user", content: "hello" }] })).toBe('the last user message does not contain "list the files": it reads "hello"');
    expect(run("openai", { messages: [{ role: "system", content: "x" }] })).toBe("the request has no user message with text");
    const final = prepareCheck(scenario.finalChecks![0]!).run!;
    expect(final("anthropic", { messages: [{ role: "user", content: "Thanks!" }] })).toBeNull();
    expect(final("anthropic", { messages: [{ role: "user", content: "no thanks" }] })).toBe('the last user message does not match /^thanks/i: it reads "no thanks"');
  });

  it("tool result: found by the id the client received in that turn, in either API", () => {
    const run = check(scenario.responses[1]!.checks, 0);
    expect(run("openai", openaiHistory("README.md\nsrc"))).toBeNull();
    expect(run("anthropic", anthropicHistory([{ type: "text", text: "README.md" }]))).toBeNull();
    expect(run("openai", openaiHistory("src"))).toBe('the result for runCmd (tool call 0 of response 0) does not contain "README.md": it reads "src"');
    expect(run("anthropic", anthropicHistory("README.md", true))).toBe("the result for runCmd (tool call 0 of response 0) is an error, expected a success");
    const noResult = { messages: openaiHistory("x").messages.slice(0, 2) };
    expect(run("openai", noResult)).toBe("no tool result for runCmd (tool call 0 of response 0), id call_a, arrived");
    expect(run("openai", { messages: [{ role: "user", content: "hi" }] })).toBe("the request's history has no runCmd (tool call 0 of response 0): assistant turn 0 is missing or has fewer tool calls");
  });

  it("quotes what arrived without the secrets it may hold", () => {
    const run = check(scenario.responses[1]!.checks, 0);
    expect(run("openai", openaiHistory("export OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwx"))).toBe('the result for runCmd (tool call 0 of response 0) does not contain "README.md": it reads "export OPENAI_API_KEY=[REDACTED]"');
  });
});

describe("sessions", () => {
  const requests = {
    first: { messages: [{ role: "user", content: "list the files" }] },
    second: (result: string) => ({
      messages: [
        { role: "user", content: "list the files" },
        { role: "assistant", content: null, tool_calls: [{ id: "c0", type: "function", function: { name: "runCmd", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c0", content: result },
      ],
    }),
  };

  it("keeps each session's turn, time, events left and assertions apart", () => {
    const playable = new PlayableScenario("asserts-demo", "test", compiled(), 10);
    expect(playable.report().passed).toBe(false);
    expect(playable.report().assertions.map((a) => [a.session, a.status])).toEqual([
      [null, "pending"], [null, "pending"], [null, "pending"], [null, "pending"], [null, "pending"], [null, "skipped"], [null, "pending"],
    ]);
    playable.observe("a", 0, "openai", requests.first);
    playable.observe("a", 1, "openai", requests.second("README.md"));
    playable.observe("b", 0, "openai", { messages: [{ role: "user", content: "hello" }] });
    // A retry of the same turn does not count its time twice.
    playable.observe("a", 1, "openai", requests.second("README.md"));
    expect(playable.status()).toEqual([
      { session: "b", turn: 1, timeMs: 10, eventsLeft: 2, assertions: { passed: 0, failed: 1, pending: 5, skipped: 1 } },
      { session: "a", turn: 2, timeMs: 10 + 100 + 20, eventsLeft: 1, assertions: { passed: 2, failed: 0, pending: 4, skipped: 1 } },
    ]);
    const report = playable.report();
    expect(report.passed).toBe(false);
    expect(report.assertions.filter((a) => a.session === "b").map((a) => a.status)).toEqual(["failed", "pending", "pending", "pending", "pending", "skipped", "pending"]);
    expect(report.assertions.find((a) => a.session === "a" && a.status === "pending")).toEqual({
      session: "a", at: "asserts.yaml:21", kind: "request.toolResult", status: "pending",
      message: "waiting for the request that response 3 answers (2 assistant turns in its history)",
    });
    playable.reset();
    expect(playable.status()).toEqual([]);
  });

  it("a passed check stays passed when a side request at the same turn fails it; a failed one can still pass", () => {
    const playable = new PlayableScenario("s", "test", compiled(), 10);
    playable.observe("x", 0, "openai", { messages: [{ role: "user", content: "write a title" }] });
    expect(playable.status()[0]!.assertions.failed).toBe(1);
    playable.observe("x", 0, "openai", requests.first);
    playable.observe("x", 0, "openai", { messages: [{ role: "user", content: "write a title" }] });
    expect(playable.status()[0]!.assertions).toEqual({ passed: 1, failed: 0, pending: 5, skipped: 1 });
  });

  it("passes once every checked assertion of every session passed", () => {
    const playable = new PlayableScenario("s", "test", compiled(), 10);
    const third = {
      messages: [
        ...requests.second("README.md").messages,
        { role: "assistant", content: "", tool_calls: [
          { id: "r0", type: "function", function: { name: "readFile", arguments: "{}" } },
          { id: "g0", type: "function", function: { name: "grep", arguments: "{}" } },
        ] },
        { role: "tool", tool_call_id: "r0", content: "server:\n  port: 1" },
        { role: "tool", tool_call_id: "g0", content: "routes.yaml:  - model: demo" },
      ],
    };
    playable.observe("x", 0, "openai", requests.first);
    playable.observe("x", 1, "openai", requests.second("README.md"));
    playable.observe("x", 2, "openai", third);
    playable.observe("x", 3, "openai", { messages: [...third.messages, { role: "assistant", content: "All done." }, { role: "user", content: "thanks" }] });
    const report = playable.report();
    expect(report.assertions.map((a) => a.status)).toEqual(["passed", "passed", "passed", "passed", "passed", "skipped", "passed"]);
    expect(report.passed).toBe(true);
    expect(playable.status()[0]).toMatchObject({ turn: 3, timeMs: 10 + 100 + 20 + 30, eventsLeft: 0 });
  });

  it("evicts the least recently used session and scenario beyond the limits", () => {
    const registry = new ScenarioRegistry([], { maxScenarios: 2, maxSessions: 2 });
    const one = registry.load("one", "yaml", compiled());
    registry.load("two", "yaml", compiled());
    registry.pick("one");
    registry.load("three", "yaml", compiled());
    expect(registry.list().map((s) => s.name)).toEqual(["one", "three"]);
    for (const session of ["a", "b", "a", "c"]) one.observe(session, 0, "openai", requests.first);
    expect(one.status().map((s) => s.session)).toEqual(["a", "c"]);
  });

  it("keeps bundled scenarios under their provider's name: they cannot be replaced or unloaded", () => {
    const registry = new ScenarioRegistry([{ kind: "scenario", name: "demo", scenario: compiled(), speed: 0 }]);
    expect(registry.list().map((s) => [s.name, s.source])).toEqual([["demo", "bundled (provider demo)"]]);
    expect(() => registry.load("demo", "yaml", compiled())).toThrow(BundledScenarioError);
    expect(registry.delete("demo")).toBe(false);
    expect(registry.pick("demo")).toBe(registry.forUpstream({ kind: "scenario", name: "demo", scenario: compiled(), speed: 0 }));
  });
});
