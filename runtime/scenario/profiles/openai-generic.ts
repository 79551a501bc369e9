// Any other OpenAI-style agent: each event becomes a function of the same name in snake_case, with its
// arguments in snake_case (runCmd { cmd, cwd } → run_cmd { cmd, cwd }), the convention of OpenAI's own
// function-calling examples. A scenario for an agent with other names uses agentToolUse instead.
import { NAMED_TOOL_EVENTS, type Args, type NamedToolEvent } from "./events.ts";
import type { ToolChoice, ToolsProfile } from "./profile.ts";

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function snakeArgs(a: Args): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in a) out[snake(key)] = a[key];
  return out;
}

const events: Partial<Record<NamedToolEvent, readonly ToolChoice[]>> = {};
for (const event of NAMED_TOOL_EVENTS) events[event] = [{ tool: snake(event), input: snakeArgs }];

export const openaiGeneric: ToolsProfile = {
  name: "openai-generic",
  // The fallback of auto mode: whatever an agent declares that is neither Claude Code's nor Codex's.
  detect: () => true,
  events,
};
