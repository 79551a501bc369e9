// Golden conversion fixtures for the `command` provider, one folder per rule in fixtures-command/<rule>/:
//   client-request.json  the chat request as a client sends it (folder name starts with its API: openai-…, anthropic-…)
//   stdout.json          what the CLI writes, as the pieces it arrives in (ANSI escapes and all)
// and the goldens the runtime's own modules produce from them:
//   prompt.txt           the prompt the CLI is given (runtime/command/prompt.ts)
//   client-response.json the whole answer for a non-stream request (runtime/command/render*.ts)
//   client-stream.sse    the answer streamed piece by piece
// `make golden` rewrites the goldens; a diff fails. Ids and times are fixed, usage is the chars/4 estimate.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAnsiStripper } from "../../runtime/command/ansi.ts";
import { estimatedUsage, estimateTokens } from "../../runtime/command/estimate.ts";
import { renderPrompt } from "../../runtime/command/prompt.ts";
import { createRenderer } from "../../runtime/command/render.ts";
import type { ClientApi } from "../../runtime/contract.ts";

const UPDATE = process.env.SWITCHYARD_UPDATE_GOLDEN === "1" && process.env.CI !== "true";
const dir = path.join(import.meta.dirname, "fixtures-command");
const rules = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

function convert(rule: string): Map<string, string> {
  const api: ClientApi = rule.startsWith("anthropic-") ? "anthropic" : "openai";
  const body = JSON.parse(readFileSync(path.join(dir, rule, "client-request.json"), "utf8")) as { stream_options?: { include_usage?: boolean } };
  const pieces = JSON.parse(readFileSync(path.join(dir, rule, "stdout.json"), "utf8")) as string[];
  const prompt = renderPrompt(api, body);
  const inputTokens = estimateTokens(prompt.length);
  const renderer = createRenderer(api, {
    id: api === "openai" ? "chatcmpl-req_fixture" : "msg_req_fixture",
    model: "cli-model",
    created: 1700000000,
    includeUsage: body.stream_options?.include_usage === true,
    inputTokens,
  });
  const ansi = createAnsiStripper();
  const text = [...pieces.map((p) => ansi.push(p)), ansi.end()];
  const whole = text.join("");
  const usage = estimatedUsage(inputTokens, estimateTokens(whole.length));
  const stream = renderer.open() + text.filter((t) => t !== "").map((t) => renderer.delta(t)).join("") + renderer.close(usage);
  return new Map([
    ["prompt.txt", `${prompt}\n`],
    ["client-response.json", `${JSON.stringify(JSON.parse(renderer.body(whole, usage)), null, 2)}\n`],
    ["client-stream.sse", stream],
  ]);
}

describe("command provider fixtures", () => {
  it("has fixtures for both client APIs", () => {
    expect(rules.some((r) => r.startsWith("openai-"))).toBe(true);
    expect(rules.some((r) => r.startsWith("anthropic-"))).toBe(true);
  });
  it.each(rules)("%s", (rule) => {
    for (const [name, content] of convert(rule)) {
      const file = path.join(dir, rule, name);
      if (UPDATE) writeFileSync(file, content);
      else expect(content, `${rule}/${name}`).toBe(existsSync(file) ? readFileSync(file, "utf8") : undefined);
    }
  });
});
