// Issue 16's done-when, played to the real Claude Code CLI (`claude -p`) in an empty temp folder: a scenario
// (test/fixtures/scenarios/claude-code-play.yaml) whose runCmd the claude-code tools profile turns into
// Claude Code's own Bash call, which Claude Code runs (it writes a file the test then reads, and the
// scenario's `assert` checks the result it sends back: the run's report says every assertion passed); and a strict
// scenario whose todoWrite Claude Code does not declare, which stops with the event's file:line.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { CLAUDE_CODE, installClaudeCode, runClaudeCode, runContext, type CliRun } from "./harness.ts";

const MARKER = "switchyard-42-scenario";
const ADMIN_KEY = "admin-key-for-the-claude-code-scenario-test-0123";

let claude: Awaited<ReturnType<typeof installClaudeCode>>;
let gw: RunningGateway | undefined;

beforeAll(async () => {
  claude = await installClaudeCode();
  if (!claude.ok) {
    console.warn(`Claude Code scenario tests skipped: ${claude.reason}`);
    return;
  }
  const { bundle } = await buildCase("clients-claude-code-scenario", "test/scenario/agents.routes.yaml");
  gw = await startGateway(bundle, { SWITCHYARD_ADMIN_KEY: ADMIN_KEY });
}, 600_000);

afterAll(async () => {
  await gw?.stop();
});

/** `claude -p PROMPT` allowed to run Bash, every model it would pick set to `model`. */
function runClaude(model: string, prompt: string): Promise<CliRun> {
  const args = ["-p", prompt, "--allowedTools", "Bash", "--max-turns", "4", "--output-format", "text"];
  return runClaudeCode(claude.ok ? claude.bin : "", { baseUrl: gw!.url, model, env: { ANTHROPIC_AUTH_TOKEN: "unused" }, args });
}

describe(`Claude Code CLI (${CLAUDE_CODE}) playing scenarios`, () => {
  it("runs the scenario's runCmd as its own Bash tool in its folder, then prints the scenario's closing answer", { timeout: 150_000 }, async (ctx) => {
    ctx.skip(!claude.ok, claude.ok ? "" : `Claude Code could not be installed: ${claude.reason}`);
    const seen = await gw!.settledLogCount();
    const run = await runClaude("claude-sonnet-4-5", "Write the marker file.");
    const context = runContext("claude", run);
    expect(run.code, context).toBe(0);
    expect(run.stdout, context).toContain("Done: made-by-scenario.txt holds the marker.");
    // Claude Code ran the command: the shell computed the marker into a file in its working folder.
    const made = path.join(run.dir, "made-by-scenario.txt");
    expect(existsSync(made), context).toBe(true);
    expect(readFileSync(made, "utf8").trim()).toBe(MARKER);

    const records = (await gw!.waitForLogRecords(seen + 2)).slice(seen);
    const call = records.find((r) => r.response?.tool_calls?.length)!;
    expect(call, JSON.stringify(records)).toBeDefined();
    expect(call.response.tool_calls).toEqual([
      { id: "toolu_scn_0_0", name: "Bash", arguments: JSON.stringify({ command: "echo switchyard-$((6*7))-scenario > made-by-scenario.txt && cat made-by-scenario.txt", description: "Write the marker file" }) },
    ]);
    // The next request carried Bash's output back as the tool_result of that call.
    const answered = records.find((r) => JSON.stringify(r.request_body?.messages ?? []).includes('"tool_use_id":"toolu_scn_0_0"'));
    expect(answered, JSON.stringify(records.map((r) => r.request_body?.messages?.length))).toBeDefined();
    expect(JSON.stringify(answered!.request_body.messages)).toContain(MARKER);
    for (const record of records) expect(record).toMatchObject({ route: "claude-sonnet-4-5", api: "anthropic", status: 200 });

    // The scenario's own `assert` saw that tool result arrive, and the run reports every assertion passed.
    const report = await fetch(`${gw!.url}/_switchyard/scenarios/play/report`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(report.status).toBe(200);
    const body = (await report.json()) as { passed: boolean; assertions: Array<{ kind: string; status: string; at: string }> };
    expect(body.assertions.length).toBeGreaterThan(0);
    expect(body.assertions.every((a) => a.status === "passed"), JSON.stringify(body.assertions)).toBe(true);
    expect(body.assertions[0]).toMatchObject({ kind: "request.toolResult", at: expect.stringMatching(/claude-code-play\.yaml:\d+$/) });
    expect(body.passed).toBe(true);
  });

  it("stops a strict scenario at a tool Claude Code does not declare, with the event's file:line", { timeout: 150_000 }, async (ctx) => {
    ctx.skip(!claude.ok, claude.ok ? "" : `Claude Code could not be installed: ${claude.reason}`);
    const seen = await gw!.settledLogCount();
    const run = await runClaude("strict-scenario", "Write the marker file.");
    const output = `${run.stdout}\n${run.stderr}`;
    const context = runContext("claude", run);
    expect(run.code, context).not.toBe(0);
    // Claude Code prints the API error's message: the scenario, the file:line, the tool, what it offered.
    expect(output, context).toMatch(/scenario "claude-code-strict" stopped \(strict mode\): \S*claude-code-strict\.yaml:9: todoWrite needs "TodoWrite"/);
    expect(output, context).toMatch(/the client offered: .*\bBash\b/);
    const records = (await gw!.waitForLogRecords(seen + 1)).slice(seen);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) {
      expect(record).toMatchObject({ route: "strict-scenario", status: 400 });
      expect(record.error).toMatch(/claude-code-strict\.yaml:9: todoWrite/);
    }
    expect(existsSync(path.join(run.dir, "made-by-scenario.txt"))).toBe(false);
  });
});
