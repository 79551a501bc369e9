// The real Codex CLI (`codex exec`, Responses API) playing a scenario in an empty temp folder: the codex tools
// profile turns the scenario's runCmd into Codex's own exec_command (picked from the tools Codex declares),
// Codex runs it, and the next request gets the scenario's closing answer. Skipped, with the reason, when the
// CLI cannot be installed.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { installClient } from "../support/npm-client.ts";

/** The version test/clients/codex.test.ts pins. */
const CODEX = "@openai/codex@0.171.0";

const install = await installClient(CODEX, "codex");
if (!install.ok) console.warn(`skipping the Codex scenario test: ${install.reason}`);

let gw: RunningGateway;

beforeAll(async () => {
  if (!install.ok) return;
  const { bundle } = await buildCase("clients-codex-scenario", "test/scenario/agents.routes.yaml");
  gw = await startGateway(bundle, {});
}, 300_000);

afterAll(async () => {
  await gw?.stop();
});

function runCodex(bin: string, prompt: string): Promise<{ code: number | null; stdout: string; stderr: string; dir: string }> {
  const home = mkdtempSync(path.join(tmpdir(), "switchyard-codex-home-"));
  const dir = mkdtempSync(path.join(tmpdir(), "switchyard-codex-scenario-"));
  const args = [
    "exec",
    "-c", "model_provider=switchyard",
    "-c", "model_providers.switchyard.name=Switchyard",
    "-c", `model_providers.switchyard.base_url=${gw.url}/v1`,
    "-c", 'model_providers.switchyard.wire_api="responses"',
    "-c", "model_providers.switchyard.env_key=SWITCHYARD_KEY",
    "-m", "codex-scenario",
    "--skip-git-repo-check",
    "--dangerously-bypass-approvals-and-sandbox",
    prompt,
  ];
  return new Promise((resolve) => {
    const child = execFile(bin, args, { cwd: dir, env: { ...process.env, CODEX_HOME: home, SWITCHYARD_KEY: "unused", NO_COLOR: "1" }, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout: String(stdout), stderr: String(stderr), dir }),
    );
    child.stdin?.end();
  });
}

describe.skipIf(!install.ok)(`Codex CLI (${CODEX}) playing a scenario`, () => {
  it("runs the scenario's runCmd as its own exec_command in its folder, then prints the closing answer", { timeout: 150_000 }, async () => {
    const seen = await gw.settledLogCount();
    const run = await runCodex(install.ok ? install.bin : "", "Write the marker file.");
    const context = `codex exited ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr.slice(-2000)}`;
    expect(run.code, context).toBe(0);
    expect(run.stdout, context).toContain("Done: made-by-codex.txt holds the marker.");
    const made = path.join(run.dir, "made-by-codex.txt");
    expect(existsSync(made), context).toBe(true);
    expect(readFileSync(made, "utf8").trim()).toBe("switchyard-42-codex");

    const records = (await gw.waitForLogRecords(seen + 2)).slice(seen);
    const call = records.find((r) => r.response?.tool_calls?.length);
    expect(call, JSON.stringify(records.map((r) => r.response))).toBeDefined();
    expect(call!.response.tool_calls[0]).toMatchObject({ name: "exec_command", arguments: JSON.stringify({ cmd: "echo switchyard-$((6*7))-codex > made-by-codex.txt && cat made-by-codex.txt" }) });
    for (const record of records) expect(record).toMatchObject({ route: "codex-scenario", api: "responses", status: 200 });
  });
});
