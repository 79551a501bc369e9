// compileScenario: the supported subset of the Scenario-Format, and line:col diagnostics for bad files.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/scenarios/${name}`, import.meta.url));
const demoPath = fileURLToPath(new URL("../../scenarios/demo.yaml", import.meta.url));

/** `line:col severity pointer: message`, for compact exact assertions. */
const render = (text: string, file = "s.yaml") =>
  compileScenario(file, text).diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.pointer}: ${d.message}`);

describe("compileScenario: the demo and fixtures", () => {
  it("compiles the demo into greeting, tool call and answer", () => {
    const { scenario, diagnostics } = compileScenario("scenarios/demo.yaml", readFileSync(demoPath, "utf8"));
    expect(diagnostics).toEqual([]);
    expect(scenario!.name).toBe("switchyard-demo");
    expect(scenario!.responses.map((r) => r.parts.map((p) => p.type))).toEqual([["think", "text"], ["text", "tool"], ["text"]]);
    expect(scenario!.responses[1]!.parts[1]).toEqual({ type: "tool", name: "get_weather", input: { city: "Paris" }, delayMs: 0, at: "scenarios/demo.yaml:26" });
    const greeting = scenario!.responses[0]!.parts.flatMap((p) => (p.type === "tool" ? [] : p.chunks));
    const ms = greeting.reduce((sum, [t]) => sum + t, 0);
    expect(ms).toBeGreaterThanOrEqual(800);
    expect(ms).toBeLessThanOrEqual(1500);
    expect(greeting.map(([, text]) => text).join("")).toContain("Switchyard");
  });

  it("keeps legacy standalone events as one-element responses and harness events' time as the next one's wait", () => {
    const { scenario, diagnostics } = compileScenario("legacy.yaml", readFileSync(fixture("legacy.yaml"), "utf8"));
    expect(diagnostics).toEqual([]);
    expect(scenario).toEqual({
      name: "legacy-forms",
      responses: [
        // The user typed for 100 ms before the first response.
        { parts: [{ type: "think", chunks: [[50, "thinking alone"]] }], waitMs: 100 },
        { parts: [{ type: "text", chunks: [[10, "first"], [20, " answer"]] }], waitMs: 200 },
        // `{ type: advanceMs, ms: 50 }` alongside `{ type: userInputs }` typed over 100 ms: advanceMs covers
        // what runs concurrently, so the longer of the two passes, not their sum.
        // result and status describe the harness's tool run, not the call: not part of the input.
        { parts: [{ type: "tool", name: "Bash", input: { command: "ls -la" }, delayMs: 0, at: "legacy.yaml:26" }], waitMs: 100 },
      ],
      // Another runner's assertion after the last response: kept for the report, as skipped (test/scenario/assert.test.ts).
      finalChecks: [{ kind: "fs.exists", at: "legacy.yaml:33", check: "skipped", reason: "fs.exists is checked by the runner that drives the workspace, not by the gateway" }],
    });
  });

  it("keeps named tool events with their event name, arguments as written and file:line (the profile maps them when played)", () => {
    const { scenario, diagnostics } = compileScenario("tools.yaml", readFileSync(fixture("tools.yaml"), "utf8"));
    expect(diagnostics).toEqual([]);
    const tools = scenario!.responses.map((r) => r.parts.filter((p) => p.type === "tool"));
    expect(tools[0]).toEqual([
      { type: "tool", name: "runCmd", event: "runCmd", input: { cmd: "ls", cwd: "." }, delayMs: 0, at: "tools.yaml:7" },
      { type: "tool", name: "readFile", event: "readFile", input: { path: "src/main.ts" }, delayMs: 0, at: "tools.yaml:8" },
      { type: "tool", name: "grep", event: "grep", input: { pattern: "TODO", path: "src" }, delayMs: 0, at: "tools.yaml:9" },
      { type: "tool", name: "listDir", event: "listDir", input: {}, delayMs: 0, at: "tools.yaml:10" },
    ]);
    expect(tools[1]!.map((p) => p.type === "tool" && [p.name, p.input])).toEqual([
      ["editFile", { path: "src/main.ts", old: "a", new: "b" }],
      ["agentEdits", { path: "src/main.ts", linesAdded: 3, linesRemoved: 1 }],
    ]);
    expect(scenario!.responses[2]).toEqual({ parts: [{ type: "text", chunks: [[0, "Done."]] }] });
  });

  it("defaults the name to the file's base name", () => {
    const { scenario } = compileScenario("dir/my-script.yaml", "timeline:\n  - assistant: [[0, hi]]\n");
    expect(scenario).toEqual({ name: "my-script", responses: [{ parts: [{ type: "text", chunks: [[0, "hi"]] }] }] });
  });

  it("follows YAML aliases", () => {
    const text = "timeline:\n  - assistant: &hello [[5, hello]]\n  - assistant: *hello\n";
    expect(compileScenario("a.yaml", text).scenario!.responses).toHaveLength(2);
  });
});

describe("compileScenario: diagnostics", () => {
  it("reports every bad shape with its line:col and pointer", () => {
    const { scenario, diagnostics } = compileScenario("bad.yaml", readFileSync(fixture("bad-shapes.yaml"), "utf8"));
    expect(scenario).toBeNull();
    expect(diagnostics.every((d) => d.code === "scenario-error" && d.file === "bad.yaml" && d.severity === "error")).toBe(true);
    expect(diagnostics.map((d) => `${d.line}:${d.col}-${d.endCol} ${d.pointer}: ${d.message}`)).toEqual([
      '4:20-24 /timeline/0/llmResponse/0/assistant: `assistant` must be a list of [ms, text] pairs, e.g. `assistant: [[400, "Hello"]]`',
      "7:14-16 /timeline/1/llmResponse/0/think/0/0: milliseconds must be a non-negative number",
      "10:11-undefined /timeline/2/llmResponse/0/agentToolUse: `agentToolUse` needs a `toolName`",
      '12:9-17 /timeline/3/llmResponse/0/asistant: unknown llmResponse sub-event "asistant". Did you mean "assistant"?',
      "14:14-16 /timeline/4/assistant/0/1: the text must be a string (quote it if it looks like a number or boolean)",
    ]);
  });

  it("rejects a timeline with no responses, pointing at the timeline key", () => {
    expect(render(readFileSync(fixture("no-responses.yaml"), "utf8"))).toEqual([
      "2:1 error /timeline: the timeline yields no responses: add an `llmResponse` (or a standalone `assistant`)",
    ]);
    expect(render("name: x\n")).toEqual(["1:1 error : missing `timeline`: a scenario needs at least one `llmResponse`"]);
  });

  it("warns, without failing, on unknown keys and events", () => {
    const { scenario, diagnostics } = compileScenario("w.yaml", readFileSync(fixture("warnings.yaml"), "utf8"));
    expect(scenario!.responses).toHaveLength(1);
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.pointer}: ${d.message}`)).toEqual([
      '2:1 warning /timelines: unknown top-level key "timelines" (ignored). Did you mean "timeline"?',
      '5:3 warning /server/speed: unknown server key "speed" (ignored)',
      '7:5 warning /timeline/0/userTyping: unknown timeline event "userTyping" (skipped)',
    ]);
  });

  it("warns with their line about keys a named tool event, an event item or a `type:` form does not take", () => {
    const text = [
      "server: { toolsProfile: claude-code, strict: false }",
      "timeline:",
      "  - advanceMs: 5",
      "    note: slow",
      "  - { type: advanceMs, ms: 5, unit: ms }",
      "  - userInputs: [[10, hi]]",
      "    target: tui",
      "  - userInputs: hello",
      "  - llmResponse:",
      "      - runCmd: { cmd: ls, shell: zsh }",
    ].join("\n");
    const { scenario, diagnostics } = compileScenario("k.yaml", text);
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.pointer}: ${d.message}`)).toEqual([
      '4:5 warning /timeline/0/note: unknown key "note" beside `advanceMs` (ignored)',
      '5:31 warning /timeline/1/unit: unknown key "unit" in `type: advanceMs` (ignored)',
      "8:17 warning /timeline/3/userInputs: `userInputs` should be a list of [ms, text] pairs: its time is not counted",
      '10:28 warning /timeline/4/llmResponse/0/runCmd/shell: unknown key "shell" in `runCmd` (ignored)',
    ]);
    expect(scenario).toMatchObject({ toolsProfile: "claude-code", strict: false });
    expect(scenario!.responses[0]!.parts[0]).toMatchObject({ name: "runCmd", input: { cmd: "ls" } });
    expect(Object.keys((scenario!.responses[0]!.parts[0] as { input: object }).input)).toEqual(["cmd"]);
    // advanceMs 5 + 5 against 10 ms of typing: the longer passes.
    expect(scenario!.responses[0]!.waitMs).toBe(10);
  });

  it.each([
    ["YAML syntax", "timeline:\n  - assistant: [[1, \"a\"]\n", /^\d+:\d+ error : /],
    ["a non-mapping file", "- just\n- a list\n", /^1:1 error : a scenario file is a mapping/],
    ["an empty llmResponse", "timeline:\n  - llmResponse: []\n", /^2:18 error \/timeline\/0\/llmResponse: `llmResponse` must be a non-empty list/],
    ["a bare pair instead of a list of pairs", "timeline:\n  - assistant: [10, hi]\n", /^2:17 error \/timeline\/0\/assistant\/0: `assistant` must be a list of \[ms, text\] pairs/],
    ["tool args that are not a mapping", "timeline:\n  - agentToolUse: { toolName: x, args: [1] }\n", /^2:40 error \/timeline\/0\/agentToolUse\/args: `args` must be a mapping/],
    ["a named tool with a scalar", "timeline:\n  - llmResponse:\n      - runCmd: ls\n", /^3:17 error \/timeline\/0\/llmResponse\/0\/runCmd: `runCmd` must be a mapping/],
    ["two events in one item", "timeline:\n  - assistant: [[1, a]]\n    think: [[1, b]]\n", /^3:5 error \/timeline\/0\/think: one event per timeline item/],
    ["an llmResponse in the type: form", "timeline:\n  - { type: llmResponse }\n", /^2:13 error \/timeline\/0\/type: the `type:` form is only for harness events/],
    ["a bad llmApiStyle", "server:\n  llmApiStyle: antropic\ntimeline:\n  - assistant: [[1, a]]\n", /^2:16 error \/server\/llmApiStyle: `llmApiStyle` must be "openai" or "anthropic". Did you mean "anthropic"\?/],
    ["a non-boolean coalesce flag", "server: { coalesceThinkingWithToolUse: yes }\ntimeline:\n  - assistant: [[1, a]]\n", /^1:40 error \/server\/coalesceThinkingWithToolUse: /],
    ["negative advanceMs", "timeline:\n  - advanceMs: -3\n  - assistant: [[1, a]]\n", /^2:16 error \/timeline\/0\/advanceMs: /],
    ["a named tool event without a required argument", "timeline:\n  - llmResponse:\n      - editFile: { path: a.ts, old: x }\n", /^3:19 error \/timeline\/0\/llmResponse\/0\/editFile: `editFile` needs `new` \(arguments: path, old, new, replaceAll\)/],
    ["an unknown tools profile", "server: { toolsProfile: claude_code }\ntimeline:\n  - assistant: [[1, a]]\n", /^1:25 error \/server\/toolsProfile: `toolsProfile` must be one of "auto", "claude-code", "codex", "openai-generic". Did you mean "claude-code"\?/],
    ["a non-boolean strict", "server: { strict: 1 }\ntimeline:\n  - assistant: [[1, a]]\n", /^1:19 error \/server\/strict: `strict` must be true or false/],
    ["a typed advanceMs without ms", "timeline:\n  - { type: advanceMs }\n  - assistant: [[1, a]]\n", /^2:13 error \/timeline\/0\/type: `type: advanceMs` needs `ms`/],
    ["tags that are not strings", "tags: [1]\ntimeline:\n  - assistant: [[1, a]]\n", /^1:7 error \/tags: /],
  ])("rejects %s", (_, text, want) => {
    const result = compileScenario("s.yaml", text);
    expect(result.scenario).toBeNull();
    const lines = render(text);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(want);
  });
});
