// Claude Code, the real CLI from npm, run as a user runs it in scripts (`claude -p`): pointed at Switchyard
// with ANTHROPIC_BASE_URL and a Switchyard client key, it speaks the Anthropic Messages API, which the
// gateway translates to an OpenAI-format upstream. The mock there plays the model: it calls Claude Code's
// own Bash tool with the argument shape Claude Code declared, and answers once the command's output comes
// back. So the whole agent loop runs through the translator, both ways, streamed or not as the CLI chooses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import type { Behaviour, RecordedRequest } from "../support/mock-upstream.ts";
import { CLAUDE_CODE, chatRequests, contentText, installClaudeCode, runClaudeCode, runContext, startClientsGateway, UPSTREAM_KEYS, type ClientsGateway } from "./harness.ts";

const MODEL = "claude-sonnet-4-5";
/** The shell computes the marker, so seeing it proves the command ran rather than being echoed back. */
const COMMAND = "echo switchyard-$((6*7))-marker";
const MARKER = "switchyard-42-marker";
const FINAL_ANSWER = `The command printed ${MARKER}, through Switchyard.`;

/** Bash, as Claude Code declares it in the request (translated to an OpenAI function tool). */
function bashTool(request: RecordedRequest): any {
  return request.json?.tools?.find((tool: any) => tool?.function?.name === "Bash");
}

/**
 * The model's side of the loop. Claude Code also sends requests of its own (titles, summaries) that
 * declare no Bash tool: those get plain text.
 */
function claudeCodeTurn(request: RecordedRequest): Behaviour {
  const messages: any[] = request.json?.messages ?? [];
  if (messages.some((m) => m?.role === "tool" && contentText(m.content).includes(MARKER))) return { kind: "reply", text: FINAL_ANSWER };
  const bash = bashTool(request);
  if (!bash) return { kind: "reply" };
  const declared = bash.function.parameters?.properties ?? {};
  // Only properties Bash declares: `command`, and `description` when it has one (it is shown to the user).
  const args: Record<string, string> = { command: COMMAND };
  if (declared.description) args.description = "Print the test marker";
  return { kind: "reply", toolCall: { name: "Bash", arguments: args } };
}

let claude: Awaited<ReturnType<typeof installClaudeCode>>;
let setup: ClientsGateway | undefined;
/** The shipped routes.yaml, as `make run` serves it: what the README's quick start points Claude Code at. */
let demo: RunningGateway | undefined;

beforeAll(async () => {
  const started = Date.now();
  claude = await installClaudeCode();
  if (!claude.ok) {
    console.warn(`Claude Code tests skipped: ${claude.reason}`);
    return;
  }
  console.info(`${CLAUDE_CODE} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${claude.version}`);
  const demoBuild = buildCase("clients-demo", "routes.yaml");
  setup = await startClientsGateway("clients-claude-code", { openai: claudeCodeTurn });
  demo = await startGateway((await demoBuild).bundle, {});
}, 600_000);

afterAll(async () => {
  await Promise.all([setup?.stop(), demo?.stop()]);
});

describe(`Claude Code CLI (${CLAUDE_CODE})`, () => {
  // ANTHROPIC_AUTH_TOKEN is sent as `authorization: Bearer`, ANTHROPIC_API_KEY as `x-api-key`: the gateway takes either.
  it.for(["ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_API_KEY"])("claude -p with a Switchyard key in %s runs a Bash tool loop through Anthropic→OpenAI translation and prints the answer", { timeout: 150_000 }, async (keyVariable, ctx) => {
    ctx.skip(!claude.ok, claude.ok ? "" : `Claude Code could not be installed: ${claude.reason}`);
    const { gw, oa, key } = setup!;
    const seen = { oa: oa.requests.length, log: await gw.settledLogCount() };

    const run = await runClaudeCode(claude.ok ? claude.bin : "", {
      baseUrl: gw.url,
      model: MODEL,
      env: { [keyVariable]: key },
      args: ["-p", `Run \`${COMMAND}\` with the Bash tool and tell me what it printed.`, "--allowedTools", "Bash", "--max-turns", "4", "--output-format", "text"],
    });
    const context = runContext("claude", run);
    expect(run.code, context).toBe(0);
    expect(run.stdout, context).toContain(FINAL_ANSWER);

    const requests = chatRequests(oa, seen.oa);
    // The turn that called Bash declared it with Claude Code's own schema, and the next one carried its output.
    const asked = requests.findIndex((r) => bashTool(r) !== undefined);
    expect(asked, context).toBeGreaterThanOrEqual(0);
    const parameters = bashTool(requests[asked]!).function.parameters;
    expect(parameters.properties.command.type).toBe("string");
    expect(parameters.required ?? []).toContain("command");
    const answered = requests.slice(asked + 1).find((r) => r.json.messages.some((m: any) => m.role === "tool"));
    expect(answered, context).toBeDefined();
    const toolMessage = answered!.json.messages.find((m: any) => m.role === "tool");
    expect(toolMessage.tool_call_id).toMatch(/^call_mock\d+$/);
    expect(contentText(toolMessage.content)).toContain(MARKER);
    const call = answered!.json.messages.find((m: any) => m.role === "assistant" && m.tool_calls);
    expect(call.tool_calls[0]).toMatchObject({ id: toolMessage.tool_call_id, function: { name: "Bash" } });
    expect(JSON.parse(call.tool_calls[0].function.arguments)).toMatchObject({ command: COMMAND });
    // The upstream sees the provider's key, never the client's.
    for (const r of requests) {
      expect(r.headers.authorization).toBe(`Bearer ${UPSTREAM_KEYS.OA_KEY}`);
      expect(JSON.stringify(r.headers)).not.toContain(key);
    }

    // Every model request Claude Code made (streamed or not, as it chose) went through the translator and succeeded.
    const records = (await gw.waitForLogRecords(seen.log + requests.length)).slice(seen.log);
    const modelCalls = records.filter((r) => r.route === MODEL);
    expect(modelCalls.length).toBe(requests.length);
    for (const record of modelCalls) {
      expect(record).toMatchObject({ api: "anthropic", status: 200, key_name: "clients-claude-code" });
      expect(record.attempts[0]).toMatchObject({ provider: "oa", model: "gpt-upstream", status: 200, translated: { to: "openai" } });
    }
    console.info(`Claude Code made ${requests.length} model requests: ${requests.map((r) => (r.json.stream ? "stream" : "json")).join(", ")}`);
  });

  it("the README's quick start: claude -p on the shipped routes.yaml's offline demo route prints the demo's answer", { timeout: 150_000 }, async (ctx) => {
    ctx.skip(!claude.ok, claude.ok ? "" : `Claude Code could not be installed: ${claude.reason}`);
    const seen = await demo!.settledLogCount();
    const run = await runClaudeCode(claude.ok ? claude.bin : "", { baseUrl: demo!.url, model: "demo", env: { ANTHROPIC_AUTH_TOKEN: "unused" }, args: ["-p", "Hi"] });
    const context = runContext("claude", run);
    expect(run.code, context).toBe(0);
    // The first answer of scenarios/demo.yaml, streamed by the scenario provider in the Anthropic format.
    expect(run.stdout, context).toContain("This is Switchyard answering offline from scenarios/demo.yaml");
    const records = (await demo!.waitForLogRecords(seen + 1)).slice(seen);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record).toMatchObject({ route: "demo", api: "anthropic", status: 200 });
  });
});
