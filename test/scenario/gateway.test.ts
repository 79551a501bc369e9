// Tools profiles and strict mode through a built gateway (test/scenario/agents.routes.yaml): a strict stop
// reaches the client as a 400 in its own API's format and is in the request log; a non-strict fallback is
// warned about once in the application log, however many requests hit it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCase, startGateway, type RunningGateway } from "../support/gateway.ts";
import { until } from "../support/wait.ts";

let gw: RunningGateway;

beforeAll(async () => {
  const { bundle } = await buildCase("scenario-agents", "test/scenario/agents.routes.yaml");
  gw = await startGateway(bundle, {});
}, 300_000);

afterAll(async () => {
  await gw?.stop();
});

const post = (path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify(body) });

/** The file as written in agents.routes.yaml, whatever folder the build ran in. */
const STRICT_LINE = /^scenario "claude-code-strict" stopped \(strict mode\): \.\.\/fixtures\/scenarios\/claude-code-strict\.yaml:9: todoWrite needs "TodoWrite" \(tools profile claude-code\), which the client did not declare; the client offered: Bash, Read$/;

describe("strict mode through the gateway", () => {
  it("answers an Anthropic client with a 400 invalid_request_error naming file:line and the offered tools, streamed or not, and logs it", async () => {
    const seen = await gw.settledLogCount();
    for (const stream of [false, true]) {
      const res = await post("/v1/messages", { model: "strict-scenario", max_tokens: 100, stream, messages: [{ role: "user", content: "go" }], tools: [{ name: "Bash", input_schema: { type: "object" } }, { name: "Read", input_schema: { type: "object" } }] });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body: any = await res.json();
      expect(body.type).toBe("error");
      expect(body.error.type).toBe("invalid_request_error");
      expect(body.error.message).toMatch(STRICT_LINE);
    }
    const records = (await gw.waitForLogRecords(seen + 2)).slice(seen);
    for (const record of records) {
      expect(record).toMatchObject({ route: "strict-scenario", api: "anthropic", status: 400 });
      expect(record.error).toMatch(STRICT_LINE);
    }
  });

  it("answers an OpenAI client in OpenAI's error format", async () => {
    const res = await post("/v1/chat/completions", {
      model: "strict-scenario",
      messages: [{ role: "user", content: "go" }],
      tools: [{ type: "function", function: { name: "Bash", parameters: {} } }, { type: "function", function: { name: "Read", parameters: {} } }],
    });
    expect(res.status).toBe(400);
    const body: any = await res.json();
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "scenario_strict_tool" });
    expect(body.error.message).toMatch(STRICT_LINE);
  });
});

describe("non-strict fallback through the gateway", () => {
  it("maps what the client declares (provider tools_profile), sends the rest as written, and warns once per tool", async () => {
    const ask = async () => {
      const res = await post("/v1/messages", { model: "fallback", max_tokens: 100, messages: [{ role: "user", content: "go" }], tools: [{ name: "Bash", input_schema: { type: "object" } }] });
      expect(res.status).toBe(200);
      return ((await res.json()) as any).content.map((block: any) => [block.name, block.input]);
    };
    const want = [["Bash", { command: "ls" }], ["webSearch", { query: "switchyard" }]];
    expect(await ask()).toEqual(want);
    expect(await ask()).toEqual(want);
    const warned = (text: string) => text.split("\n").filter((line) => line.includes('did not declare a tool \\"webSearch\\"'));
    await until("the fallback warning", () => gw.output(), (text) => warned(text).length > 0);
    const lines = warned(gw.output());
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: "warn", scenario: "tools-fallback", tool: "webSearch", provider: "fallback" });
    expect(JSON.parse(lines[0]!).at).toBe("../fixtures/scenarios/tools-fallback.yaml:6");
  });
});
