// The real Codex CLI (`codex exec`, Responses API) playing a scenario in an empty temp folder: the codex tools
// profile turns the scenario's runCmd into Codex's own exec_command (picked from the tools Codex declares),
// Codex runs it, and the next request gets the scenario's closing answer. Skipped, with the reason, when the
// CLI cannot be installed.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { installClient } from "../support/npm-client.ts";
import { CODEX, runCodex, runContext } from "./harness.ts";

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

describe.skipIf(!install.ok)(`Codex CLI (${CODEX}) playing a scenario`, () => {
  it("runs the scenario's runCmd as its own exec_command in its folder, then prints the closing answer", { timeout: 150_000 }, async () => {
    const seen = await gw.settledLogCount();
    const run = await runCodex(install.ok ? install.bin : "", { baseUrl: gw.url, model: "codex-scenario", key: "unused", prompt: "Write the marker file." });
    const context = runContext("codex", run);
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
