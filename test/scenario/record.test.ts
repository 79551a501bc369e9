// Recording: the YAML a recording writes reads back to the exact bytes (generator/scenario-recorded.ts), the
// player sends those bytes only to a client of the recorded API and stream flag, and the recorder tells
// conversations apart (continuation, parallel conversations, retries, a start it never saw).
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileScenario } from "../../generator/scenario.ts";
import { playScenario } from "../../runtime/scenario/play.ts";
import { ConversationRecorder } from "../../runtime/scenario/record/recorder.ts";
import { fileHeader, responseItem } from "../../runtime/scenario/record/yaml.ts";
import { until } from "../support/wait.ts";

const render = (text: string) => compileScenario("r.yaml", text).diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.pointer}: ${d.message}`);
const header = fileHeader({ name: "r", route: "r", api: "openai", startedAt: "2026-12-03T00:00:00.000Z" });

describe("the recorded YAML", () => {
  it("reads back byte for byte, whatever the characters", () => {
    const tricky = ['data: {"a":"quote \\" backslash \\\\ tab\\t"}\n\n', "line\r\nbreaks\u2028\u2029 del\u007f c1\u0085\u0090 bom\ufeff", "emoji 🚀 and 中文 and \u0000 nul", "#not a comment: [x] {y} &z *w !t |"];
    const item = responseItem(0, "user said: \"hi\"\nsecond line", { text: "a: b # c", reasoning: "", toolCalls: [{ id: "c1", name: "run", arguments: '{"cmd":"ls \\"x\\"","n":[1,{"k":null}]}' }], firstMs: 12.345, restMs: 3 }, {
      api: "openai",
      stream: true,
      contentType: "text/event-stream",
      frames: tricky.map((text, i) => [i * 1.5, text] as const),
    });
    const { scenario, diagnostics } = compileScenario("r.yaml", header + item);
    expect(diagnostics).toEqual([]);
    const response = scenario!.responses[0]!;
    expect(response.recorded!.frames.map(([, text]) => text)).toEqual(tricky);
    expect(response.recorded!.body).toBe(tricky.join(""));
    expect(response.recorded!.frames.map(([ms]) => ms)).toEqual([0, 1.5, 3, 4.5]);
    expect(response.parts).toEqual([
      { type: "text", chunks: [[15.3, "a: b # c"]] },
      { type: "tool", name: "run", input: { cmd: 'ls "x"', n: [1, { k: null }] }, delayMs: 0, at: "r.yaml:13" },
    ]);
  });

  it("reports a bad recorded: key at its line, and warns about unknown ones", () => {
    const base = `name: r\ntimeline:\n  - llmResponse:\n      - assistant: [[0, "x"]]\n    recorded:\n`;
    expect(render(`${base}      api: grpc\n      stream: yes\n      contentType: ""\n      frames: []\n`)).toEqual([
      '6:12 error /timeline/0/recorded/api: `api` must be "openai" or "anthropic"',
      "7:15 error /timeline/0/recorded/stream: `stream` must be true or false",
      "8:20 error /timeline/0/recorded/contentType: `contentType` must be a non-empty string, e.g. application/json",
      '9:15 error /timeline/0/recorded/frames: `frames` must be a non-empty list of [ms, text] pairs, e.g. `- [40, "data: {}\\n\\n"]`',
    ]);
    expect(render(`${base}      api: openai\n      stream: false\n      contentType: application/json\n      frames: [[-1, "{}"], [0, 5]]\n      extra: 1\n`)).toEqual([
      "9:17 error /timeline/0/recorded/frames/0/0: milliseconds must be a non-negative number",
      "9:32 error /timeline/0/recorded/frames/1/1: the text must be a string",
      '10:7 warning /timeline/0/recorded/extra: unknown recorded key "extra" (ignored)',
    ]);
    expect(render(`${base}      api: openai\n      stream: false\n`)).toEqual(["6:7 error /timeline/0/recorded: `recorded` needs `contentType`"]);
  });
});

describe("playing a recorded response", () => {
  const frames = ['data: {"x":1}\n\n', "data: [DONE]\n\n"];
  const text = `name: r\ntimeline:\n  - llmResponse:\n      - assistant: [[10, "Hello"]]\n    recorded:\n      api: openai\n      stream: true\n      contentType: text/event-stream; charset=utf-8\n      frames:\n        - [100, ${JSON.stringify(frames[0])}]\n        - [40, ${JSON.stringify(frames[1])}]\n`;
  const scenario = compileScenario("r.yaml", text).scenario!;
  const request = (api: "openai" | "anthropic", stream: boolean) => ({ api, stream, model: "m", body: { messages: [{ role: "user", content: "hi" }] } });

  it("sends the exact bytes with their gaps scaled by the speed to a client of the same API and stream flag", () => {
    const reply = playScenario(scenario, request("openai", true), { speed: 2 });
    expect(reply.contentType).toBe("text/event-stream; charset=utf-8");
    expect(reply.frames).toEqual([{ delayMs: 50, data: frames[0] }, { delayMs: 20, data: frames[1] }]);
    expect(reply.summary.text).toBe("Hello");
    expect(playScenario(scenario, request("openai", true), { speed: 0 }).frames.map((f) => f.delayMs)).toEqual([0, 0]);
  });

  it("renders the readable events for another API or stream flag", () => {
    const whole = playScenario(scenario, request("openai", false), { speed: 0 });
    expect(whole.contentType).toBe("application/json");
    expect(JSON.parse(whole.frames[0]!.data).choices[0].message.content).toBe("Hello");
    const anthropic = playScenario(scenario, request("anthropic", true), { speed: 0 });
    expect(anthropic.frames[0]!.data).toMatch(/^event: message_start\n/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// The recorder, driven as the chat endpoint drives it.

function openaiBody(id: string, text: string) {
  return { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: id ? { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] } : { role: "assistant", content: text }, finish_reason: id ? "tool_calls" : "stop" }] };
}

function recordOne(recorder: ConversationRecorder, messages: unknown[], reply: { id?: string; text?: string }, session = "default") {
  const capture = recorder.capture(performance.now());
  capture.head(200, { "content-type": "application/json" });
  capture.chunk(JSON.stringify(openaiBody(reply.id ?? "", reply.text ?? "")));
  recorder.finish({ api: "openai", stream: false, body: { model: "m", messages }, session, capture, redact: undefined });
}

const assistantCall = (id: string) => ({ role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] });
const toolResult = (id: string) => ({ role: "tool", tool_call_id: id, content: "sunny" });
const user = (content: string) => ({ role: "user", content });

async function filesOf(dir: string, count: number): Promise<Array<{ text: string; turns: number }>> {
  const read = () => {
    try {
      return readdirSync(dir).map((f) => readFileSync(path.join(dir, f), "utf8"));
    } catch {
      return [];
    }
  };
  await until(`${count} recordings`, read, (t) => t.length === count, 5000);
  await new Promise((r) => setTimeout(r, 50));
  return read()
    .map((text) => ({ text, turns: text.split("- llmResponse:").length - 1 }))
    .sort((a, b) => a.text.localeCompare(b.text));
}

describe("conversations", () => {
  it("continues a file turn by turn, and keeps parallel conversations with the same prompt apart", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "sy-record-")), "rec");
    const recorder = new ConversationRecorder({ dir, route: "r" });
    recordOne(recorder, [user("weather?")], { id: "call_a" });
    recordOne(recorder, [user("weather?")], { id: "call_b" });
    await filesOf(dir, 2);
    recordOne(recorder, [user("weather?"), assistantCall("call_b"), toolResult("call_b")], { text: "B is sunny" });
    recordOne(recorder, [user("weather?"), assistantCall("call_a"), toolResult("call_a")], { text: "A is sunny" });
    const files = await until("second turns", () => filesOf(dir, 2), (f) => f.every((x) => x.turns === 2), 5000);
    const a = files.find((f) => f.text.includes("A is sunny"))!;
    const b = files.find((f) => f.text.includes("B is sunny"))!;
    expect(a.text).toContain("call_a");
    expect(a.text).not.toContain("call_b");
    expect(b.text).toContain("call_b");
    for (const f of files) expect(compileScenario("f.yaml", f.text).diagnostics).toEqual([]);
  });

  it("forks on a retry of an earlier turn, and fills in a start it never saw from the history", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "sy-record-")), "rec");
    const recorder = new ConversationRecorder({ dir, route: "r" });
    recordOne(recorder, [user("weather?")], { id: "call_a" });
    await filesOf(dir, 1);
    const second = [user("weather?"), assistantCall("call_a"), toolResult("call_a")];
    recordOne(recorder, second, { text: "first try" });
    await until("turn 2", () => filesOf(dir, 1), (f) => f[0]!.turns === 2, 5000);
    recordOne(recorder, second, { text: "retried" });
    // Another session's identical history is not this conversation: a new file, its first turn from the history.
    recordOne(recorder, second, { text: "elsewhere" }, "other-session");
    const files = await until("fork and fill", () => filesOf(dir, 3), (f) => f.every((x) => x.turns === 2), 5000);
    const fork = files.find((f) => f.text.includes("retried"))!;
    expect(fork.text).not.toContain("first try");
    expect(fork.text.match(/^ {4}recorded:/gm)).toHaveLength(2);
    const filled = files.find((f) => f.text.includes("elsewhere"))!;
    expect(filled.text).toContain("# from the request's history (not recorded here)");
    expect(filled.text.match(/^ {4}recorded:/gm)).toHaveLength(1);
    const scenario = compileScenario("f.yaml", filled.text).scenario!;
    expect(scenario.responses[0]!.parts).toEqual([{ type: "tool", name: "get_weather", input: { city: "Paris" }, delayMs: 0, at: "f.yaml:13" }]);
  });
});
