// A tools profile: for each named tool event, the tools an agent may have for it, in order of preference
// (an agent's versions rename tools: Claude Code's Task became Agent), each with its argument shape.
import type { Args, NamedToolEvent } from "./events.ts";

export interface ToolChoice {
  /** The tool's name as the agent declares it. */
  readonly tool: string;
  readonly input: (args: Args) => Record<string, unknown>;
}

export interface ToolsProfile {
  readonly name: string;
  readonly events: Readonly<Partial<Record<NamedToolEvent, readonly ToolChoice[]>>>;
  /** Whether a request's declared tools look like this agent's (auto mode). */
  readonly detect: (declared: ReadonlySet<string>) => boolean;
}
