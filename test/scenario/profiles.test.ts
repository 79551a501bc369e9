// Tools profiles and strict mode: named tool events become each agent's own tools, with inputs that the
// agent's declared input schemas accept (the schemas are what the real CLIs send: Claude Code 2.1.332 and
// Codex 0.171.0, captured from a loopback server, descriptions removed), and undeclared tools stop playback
// in strict mode with the event's file:line.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Ajv2020 from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";
import { playScenario, ScenarioStrictError, type PlaySettings, type ScenarioReply } from "../../runtime/scenario/play.ts";
import type { CompiledScenario } from "../../runtime/scenario/types.ts";

const fixture = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/scenarios/${name}`, import.meta.url)), "utf8"));
const CLAUDE_TOOLS: Array<{ name: string; input_schema: object }> = fixture("claude-code-2.1.332.tools.json");
const CODEX_TOOLS: Array<{ type: "function"; name: string; parameters: object }> = fixture("codex-0.171.0.tools.json");
/** Codex speaks the Responses API; the gateway plays scenarios to it as chat, with these function tools. */
const codexChatTools = CODEX_TOOLS.map((t) => ({ type: "function", function: { name: t.name, parameters: t.parameters } }));

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
for (const tool of CLAUDE_TOOLS) validators.set(`claude:${tool.name}`, ajv.compile(tool.input_schema));
for (const tool of CODEX_TOOLS) validators.set(`codex:${tool.name}`, ajv.compile(tool.parameters));

const EVERY_EVENT = `
name: every-tool
timeline:
  - llmResponse:
      - runCmd: { cmd: "echo hi > out.txt", description: "Write a file" }
      - readFile: { path: /work/a.ts, offset: 2, limit: 3 }
      - editFile: { path: /work/a.ts, old: "a", new: "b" }
      - writeFile: { path: /work/b.ts, content: "it's" }
      - grep: { pattern: TODO, path: src, glob: "*.ts" }
      - find: { pattern: "src/**/*.ts" }
      - listDir: { path: src }
      - sed: { path: a.txt, script: "s/a/b/", inPlace: true }
  - llmResponse:
      - task: { prompt: "Find where the router is built and explain it" }
      - webFetch: { url: "https://example.com" }
      - webSearch: { query: switchyard }
      - notebookEdit: { path: /work/n.ipynb, source: "print(1)" }
      - killShell: { id: "7" }
      - slashCommand: { command: "/review the diff" }
      - agentEdits: { path: /work/a.ts, linesAdded: 2, linesRemoved: 1 }
  - llmResponse:
      - todoWrite: { todos: [{ content: "Write tests", status: in_progress }] }
      - bashOutput: { id: "7" }
`;
const every = compileScenario("every.yaml", EVERY_EVENT).scenario!;

const anthropicBody = (turns: number, tools: unknown[] | undefined) => ({
  messages: [{ role: "user", content: "go" }, ...Array.from({ length: turns }, () => [{ role: "assistant", content: "x" }, { role: "user", content: "more" }]).flat()],
  ...(tools ? { tools } : {}),
});
const openaiBody = anthropicBody;

function play(scenario: CompiledScenario, api: "openai" | "anthropic", turns: number, tools: unknown[] | undefined, settings: Partial<PlaySettings> = {}): ScenarioReply {
  return playScenario(scenario, { api, stream: false, model: "m", body: (api === "openai" ? openaiBody : anthropicBody)(turns, tools) }, { speed: 0, ...settings });
}
const calls = (reply: ScenarioReply) => reply.summary.toolCalls.map((c) => ({ name: c.name, input: JSON.parse(c.arguments) }));

describe("claude-code profile, against the tools Claude Code 2.1.332 declares", () => {
  it("maps each event to Claude Code's own tool, picked automatically, with an input its schema accepts", () => {
    const first = calls(play(every, "anthropic", 0, CLAUDE_TOOLS));
    expect(first).toEqual([
      { name: "Bash", input: { command: "echo hi > out.txt", description: "Write a file" } },
      { name: "Read", input: { file_path: "/work/a.ts", offset: 2, limit: 3 } },
      { name: "Edit", input: { file_path: "/work/a.ts", old_string: "a", new_string: "b" } },
      { name: "Write", input: { file_path: "/work/b.ts", content: "it's" } },
      // This build declares no Grep, Glob or LS: those searches run through Bash, every argument quoted.
      { name: "Bash", input: { command: "grep -rn --include='*.ts' -e 'TODO' 'src'" } },
      { name: "Bash", input: { command: "find 'src' -name '*.ts'" } },
      { name: "Bash", input: { command: "ls -la 'src'" } },
      { name: "Bash", input: { command: "sed -i -e 's/a/b/' 'a.txt'" } },
    ]);
    const second = calls(play(every, "anthropic", 1, CLAUDE_TOOLS));
    expect(second).toEqual([
      // Task is called Agent in this build.
      { name: "Agent", input: { description: "Find where the router is", prompt: "Find where the router is built and explain it", subagent_type: "general-purpose" } },
      { name: "WebFetch", input: { url: "https://example.com", prompt: "Summarize the page." } },
      { name: "WebSearch", input: { query: "switchyard" } },
      { name: "NotebookEdit", input: { notebook_path: "/work/n.ipynb", new_source: "print(1)" } },
      { name: "TaskStop", input: { task_id: "7" } },
      { name: "Skill", input: { skill: "review", args: "the diff" } },
      { name: "Edit", input: { file_path: "/work/a.ts", old_string: "removed line 1", new_string: "added line 1\nadded line 2" } },
    ]);
    for (const call of [...first, ...second]) {
      const validate = validators.get(`claude:${call.name}`)!;
      expect(validate(call.input), `${call.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it("prefers the older builds' tools when the client declares them", () => {
    const older = ["Bash", "Read", "Edit", "Write", "Grep", "Glob", "LS", "Task", "TodoWrite", "BashOutput", "KillShell", "SlashCommand"].map((name) => ({ name, input_schema: { type: "object" } }));
    expect(calls(play(every, "anthropic", 0, older)).slice(4, 7)).toEqual([
      { name: "Grep", input: { pattern: "TODO", path: "src", glob: "*.ts", output_mode: "content", "-n": true } },
      { name: "Glob", input: { pattern: "src/**/*.ts" } },
      { name: "LS", input: { path: "src" } },
    ]);
    expect(calls(play(every, "anthropic", 1, older)).map((c) => c.name)).toEqual(["Task", "webFetch", "webSearch", "notebookEdit", "KillShell", "SlashCommand", "Edit"]);
    expect(calls(play(every, "anthropic", 2, older))).toEqual([
      { name: "TodoWrite", input: { todos: [{ content: "Write tests", status: "in_progress", activeForm: "Write tests" }] } },
      { name: "BashOutput", input: { bash_id: "7" } },
    ]);
  });

  it("sends a tool the client lacks under the name written, and reports it once per call to onFallback", () => {
    const fallbacks: Array<[string, string | undefined]> = [];
    const reply = play(every, "anthropic", 2, CLAUDE_TOOLS, { onFallback: (tool, at) => fallbacks.push([tool, at]) });
    expect(calls(reply)).toEqual([
      { name: "todoWrite", input: { todos: [{ content: "Write tests", status: "in_progress" }] } },
      { name: "bashOutput", input: { id: "7" } },
    ]);
    expect(fallbacks).toEqual([["todoWrite", "every.yaml:22"], ["bashOutput", "every.yaml:23"]]);
  });

  it("gives deterministic tool-call ids: the same request, the same ids", () => {
    const a = play(every, "anthropic", 0, CLAUDE_TOOLS);
    expect(a.summary.toolCalls.map((c) => c.id)).toEqual(Array.from({ length: 8 }, (_, i) => `toolu_scn_0_${i}`));
    expect(play(every, "anthropic", 0, CLAUDE_TOOLS)).toEqual(a);
  });
});

describe("codex profile, against the tools Codex 0.171.0 declares", () => {
  it("runs commands and reads through exec_command with inputs its schema accepts", () => {
    const first = calls(play(every, "openai", 0, codexChatTools));
    expect(first.slice(0, 2)).toEqual([
      { name: "exec_command", input: { cmd: "echo hi > out.txt" } },
      { name: "exec_command", input: { cmd: "sed -n '2,4p' '/work/a.ts'" } },
    ]);
    // No apply_patch in this build: an edit goes out as written; a new file is written through the shell.
    expect(first[2]).toEqual({ name: "editFile", input: { path: "/work/a.ts", old: "a", new: "b" } });
    expect(first[3]).toEqual({ name: "exec_command", input: { cmd: "printf '%s' 'it'\\''s' > '/work/b.ts'" } });
    for (const call of first.filter((c) => c.name === "exec_command")) {
      const validate = validators.get(`codex:${call.name}`)!;
      expect(validate(call.input), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it("uses apply_patch, update_plan and the older shell tool where the client declares them", () => {
    const older = ["shell", "apply_patch", "update_plan"].map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } }));
    const first = calls(play(every, "openai", 0, older));
    expect(first[0]).toEqual({ name: "shell", input: { command: ["bash", "-lc", "echo hi > out.txt"] } });
    expect(first[2]).toEqual({ name: "apply_patch", input: { input: "*** Begin Patch\n*** Update File: /work/a.ts\n@@\n-a\n+b\n*** End Patch\n" } });
    expect(first[3]).toEqual({ name: "apply_patch", input: { input: "*** Begin Patch\n*** Add File: /work/b.ts\n+it's\n*** End Patch\n" } });
    expect(calls(play(every, "openai", 2, older))[0]).toEqual({ name: "update_plan", input: { plan: [{ step: "Write tests", status: "in_progress" }] } });
  });
});

describe("choosing the profile", () => {
  const script = (server: string) => compileScenario("s.yaml", `${server}timeline:\n  - llmResponse:\n      - runCmd: { cmd: ls, cwd: /tmp }\n`).scenario!;

  it("openai-generic: snake_case names and arguments for any other declared tools", () => {
    const tools = [{ type: "function", function: { name: "run_cmd", parameters: {} } }];
    expect(calls(play(script(""), "openai", 0, tools))).toEqual([{ name: "run_cmd", input: { cmd: "ls", cwd: "/tmp" } }]);
  });

  it("no tools declared: names as written in auto mode, the chosen profile's first tool otherwise", () => {
    expect(calls(play(script(""), "anthropic", 0, undefined))[0]!.name).toBe("runCmd");
    expect(calls(play(script("server: { toolsProfile: claude-code }\n"), "anthropic", 0, undefined))).toEqual([{ name: "Bash", input: { command: "cd '/tmp' && ls" } }]);
    expect(calls(play(script(""), "openai", 0, undefined, { toolsProfile: "codex" }))).toEqual([{ name: "exec_command", input: { cmd: "ls", workdir: "/tmp" } }]);
  });

  it("the scenario's server.toolsProfile wins over the provider's tools_profile, which wins over auto", () => {
    const tools = [{ name: "Bash" }, { name: "Read" }, { name: "exec_command" }];
    expect(calls(play(script(""), "anthropic", 0, tools))[0]!.name).toBe("Bash");
    expect(calls(play(script(""), "anthropic", 0, tools, { toolsProfile: "codex" }))[0]!.name).toBe("exec_command");
    expect(calls(play(script("server: { toolsProfile: claude-code }\n"), "anthropic", 0, tools, { toolsProfile: "codex" }))[0]!.name).toBe("Bash");
  });
});

describe("strict mode", () => {
  const STRICT = "name: strict-demo\nserver:\n  strict: true\ntimeline:\n  - llmResponse:\n      - assistant: [[0, Looking.]]\n      - webSearch: { query: x }\n  - llmResponse:\n      - agentToolUse: { toolName: get_weather, args: {} }\n";
  const strict = compileScenario("scenarios/strict.yaml", STRICT).scenario!;
  const thrown = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error("did not throw");
  };

  it("stops on a tool the client did not declare, naming the event's file:line and the tools offered", () => {
    const error = thrown(() => play(strict, "anthropic", 0, [{ name: "Bash" }, { name: "Read" }, { name: "Edit" }]));
    expect(error).toBeInstanceOf(ScenarioStrictError);
    expect(error.message).toBe(
      'scenario "strict-demo" stopped (strict mode): scenarios/strict.yaml:7: webSearch needs "WebSearch" (tools profile claude-code), which the client did not declare; the client offered: Bash, Read, Edit',
    );
    expect(thrown(() => play(strict, "openai", 1, [{ type: "function", function: { name: "lookup" } }])).message).toBe(
      'scenario "strict-demo" stopped (strict mode): scenarios/strict.yaml:9: tool "get_weather", which the client did not declare; the client offered: lookup',
    );
    expect(thrown(() => play(strict, "openai", 0, undefined)).message).toMatch(/scenarios\/strict\.yaml:7: .*the client declared no tools$/);
  });

  it("plays on when the tools are declared, and is also set by the provider's strict", () => {
    expect(calls(play(strict, "anthropic", 0, [{ name: "Bash" }, { name: "Read" }, { name: "WebSearch" }]))).toEqual([{ name: "WebSearch", input: { query: "x" } }]);
    const loose = compileScenario("l.yaml", STRICT.replace("strict: true", "strict: false")).scenario!;
    expect(calls(play(loose, "anthropic", 0, [{ name: "Bash" }, { name: "Read" }], { strict: true }))[0]!.name).toBe("webSearch");
    const unset = compileScenario("u.yaml", STRICT.replace("  strict: true\n", "  llmApiStyle: openai\n")).scenario!;
    expect(thrown(() => play(unset, "anthropic", 0, [{ name: "Bash" }, { name: "Read" }], { strict: true }))).toBeInstanceOf(ScenarioStrictError);
  });
});

describe("timing and coalescing", () => {
  const TIMED = `
server: { coalesceThinkingWithToolUse: false }
timeline:
  - llmResponse:
      - assistant: [[100, "a"]]
  - advanceMs: 400
  - userInputs: [[300, "typed meanwhile"]]
  - llmResponse:
      - think: [[50, "plan"]]
      - assistant: [[20, "b"]]
      - runCmd: { cmd: ls }
  - llmResponse:
      - assistant: [[10, "done"]]
`;
  const timed = compileScenario("t.yaml", TIMED).scenario!;

  it("advanceMs passes before the next response, at the playback speed (real time, ×N, instant)", () => {
    expect(timed.responses[1]!.waitMs).toBe(400);
    const wait = (speed: number, stream: boolean) =>
      playScenario(timed, { api: "openai", stream, model: "m", body: openaiBody(1, undefined) }, { speed }).frames[0]!.delayMs;
    // The first streamed frame waits for the advanceMs (think time comes after it, before the text).
    expect(wait(1, true)).toBe(400);
    expect(wait(4, true)).toBe(100);
    expect(wait(0, true)).toBe(0);
    // A whole body arrives after everything: 400 + 50 thinking (hidden, its time kept) + 20.
    expect(wait(1, false)).toBe(470);
    expect(wait(10, false)).toBeCloseTo(47);
  });

  it("coalesceThinkingWithToolUse: false gives Anthropic clients the thinking and the tool_use as separate messages", () => {
    const anthropic = (turns: number) => JSON.parse(play(timed, "anthropic", turns, undefined).frames[0]!.data);
    expect(anthropic(1).content.map((b: any) => b.type)).toEqual(["thinking"]);
    expect(anthropic(1).stop_reason).toBe("end_turn");
    expect(anthropic(2).content.map((b: any) => b.type)).toEqual(["text", "tool_use"]);
    expect(anthropic(3).content).toEqual([{ type: "text", text: "done" }]);
    // OpenAI clients never see thinking: their responses stay whole.
    const openai = JSON.parse(play(timed, "openai", 1, undefined).frames[0]!.data);
    expect(openai.choices[0].message).toMatchObject({ content: "b", tool_calls: [{ function: { name: "runCmd" } }] });
    // The default keeps thinking in the tool_use message, as Claude sends it.
    const coalesced = compileScenario("c.yaml", TIMED.replace("false", "true")).scenario!;
    expect(JSON.parse(play(coalesced, "anthropic", 1, undefined).frames[0]!.data).content.map((b: any) => b.type)).toEqual(["thinking", "text", "tool_use"]);
  });
});
