// The real Codex CLI (@openai/codex, installed from npm into test/.clients/) against Switchyard's /v1 with
// `wire_api = "responses"`, on a route translated to a chat completions mock: the mock first asks for a
// shell command through the tool Codex declares (exec_command), Codex runs it and sends the output back as a
// function_call_output, and the mock then answers. Skipped, with the reason, when the install fails.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../support/mock-upstream.ts";
import { installClient } from "../support/npm-client.ts";
import { CODEX, runCodex, runContext } from "./harness.ts";

const MARKER = "switchyard-codex-tool-ok";
const FINAL = "The command printed the marker: all good.";

const install = await installClient(CODEX, "codex");
if (!install.ok) console.warn(`skipping the Codex CLI tests: ${install.reason}`);

let oa: MockUpstream;
let an: MockUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  if (!install.ok) return;
  [oa, an] = await Promise.all([startMockUpstream({ api: "openai" }), startMockUpstream({ api: "anthropic" })]);
  const { bundle } = await buildCase("responses", "test/e2e/responses.routes.yaml");
  gw = await startGateway(bundle, { OA_KEY: "sk-oa-codex-0123456789abcdef", AN_KEY: "sk-ant-codex-0123456789abcdef", NATIVE_KEY: "unused", OA_URL: oa.url, AN_URL: an.url, NATIVE_URL: "http://127.0.0.1:9" });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await Promise.all([oa?.close(), an?.close()]);
});

/** `codex exec PROMPT` on the gateway's route for `model`. */
function runCodexOn(model: string, prompt: string) {
  return runCodex(install.ok ? install.bin : "", { baseUrl: gw.url, model, key: "client-key", prompt });
}

describe.skipIf(!install.ok)(`Codex CLI (${CODEX}) through /v1/responses translated to chat completions`, () => {
  it("codex exec completes a shell tool loop: the command's output reaches the upstream, the final answer is printed", async () => {
    oa.script({ kind: "reply", toolCall: { name: "exec_command", arguments: { cmd: `echo ${MARKER}` } } }, { kind: "reply", text: FINAL });
    const run = await runCodexOn("gpt-chat", "Run the shell command `echo " + MARKER + "` and tell me what it printed.");
    const requests = oa.requests;
    expect(requests.length, runContext("codex", run)).toBeGreaterThanOrEqual(2);

    // The first request: Codex's Responses request as chat, with the shell tool it declares.
    const first = requests[0]!.json;
    expect(requests[0]!.path).toBe("/v1/chat/completions");
    expect(first).toMatchObject({ model: "gpt-upstream", stream: true, stream_options: { include_usage: true } });
    const shell = first.tools.find((t: any) => t.function?.name === "exec_command");
    expect(shell, `tools Codex declared: ${first.tools.map((t: any) => t.function?.name).join(", ")}`).toBeDefined();
    expect(shell.function.parameters.properties.cmd).toMatchObject({ type: "string" });
    expect(first.messages.at(-1)).toMatchObject({ role: "user" });

    // The second: the call Codex made, and what the command printed, as an assistant tool call and a tool message.
    const second = requests[1]!.json;
    const assistant = second.messages.find((m: any) => m.role === "assistant" && m.tool_calls);
    expect(assistant.tool_calls[0]).toMatchObject({ type: "function", function: { name: "exec_command" } });
    const tool = second.messages.find((m: any) => m.role === "tool");
    expect(tool.tool_call_id).toBe(assistant.tool_calls[0].id);
    expect(JSON.stringify(tool.content)).toContain(MARKER);

    expect(run.code, runContext("codex", run)).toBe(0);
    expect(run.stdout).toContain(FINAL);

    const records = await gw.waitForLogRecords(2);
    expect(records.filter((r) => r.api === "responses" && r.route === "gpt-chat" && r.status === 200).length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("codex exec completes the same loop on an Anthropic Messages upstream (composed through chat): tool_use out, tool_result back", async () => {
    const seen = an.requests.length;
    an.script({ kind: "reply", toolCall: { name: "exec_command", arguments: { cmd: `echo ${MARKER}` } } }, { kind: "reply", text: FINAL });
    const run = await runCodexOn("claude-responses", "Run the shell command `echo " + MARKER + "` and tell me what it printed.");
    const requests = an.requests.slice(seen);
    expect(requests.length, runContext("codex", run)).toBeGreaterThanOrEqual(2);
    expect(requests[0]!.path).toBe("/v1/messages");
    expect(requests[0]!.json.tools.map((t: { name: string }) => t.name)).toContain("exec_command");
    const turns = requests[1]!.json.messages as Array<{ role: string; content: any }>;
    const toolUse = turns.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).find((b: any) => b.type === "tool_use");
    const toolResult = turns.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).find((b: any) => b.type === "tool_result");
    expect(toolUse).toMatchObject({ name: "exec_command", input: { cmd: `echo ${MARKER}` } });
    expect(toolResult.tool_use_id).toBe(toolUse.id);
    expect(JSON.stringify(toolResult.content)).toContain(MARKER);
    expect(run.code, runContext("codex", run)).toBe(0);
    expect(run.stdout).toContain(FINAL);
  }, 120_000);
});
