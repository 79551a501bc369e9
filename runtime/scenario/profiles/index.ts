// Turns a response's tool calls into the client's own tools: a named event (`runCmd`) through the tools
// profile of the agent (chosen by the scenario, the provider, or from the tools the request declares), an
// agentToolUse as written. A tool the client did not declare is an error in strict mode, and otherwise goes
// out as written, reported through `onFallback` (the attempt logs it once per scenario and tool).
import type { ScenarioPart, ScenarioResponse, ToolsProfileName, ToolsProfileSetting } from "../types.ts";
import { claudeCode } from "./claude-code.ts";
import { codex } from "./codex.ts";
import type { NamedToolEvent } from "./events.ts";
import { openaiGeneric } from "./openai-generic.ts";
import type { ToolsProfile } from "./profile.ts";

export const TOOLS_PROFILES: Readonly<Record<ToolsProfileName, ToolsProfile>> = { "claude-code": claudeCode, codex, "openai-generic": openaiGeneric };
/** Auto mode tries these in order; openai-generic takes whatever is left. */
const DETECTION_ORDER = [claudeCode, codex, openaiGeneric];

/** Playback stopped by strict mode: the message names the event's file:line and the tools the client offered. */
export class ScenarioStrictError extends Error {
  override readonly name = "ScenarioStrictError";
}

/**
 * The tool names a request declares: OpenAI `tools[].function.name` (chat; a Responses request reaches the
 * player as chat), Anthropic `tools[].name`. Null when it declares none.
 */
export function declaredTools(api: "openai" | "anthropic", body: unknown): ReadonlySet<string> | null {
  const tools = (body as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools) || tools.length === 0) return null;
  const names = new Set<string>();
  for (const tool of tools) {
    const name = api === "openai" ? (tool as { function?: { name?: unknown } } | null)?.function?.name : (tool as { name?: unknown } | null)?.name;
    if (typeof name === "string") names.add(name);
  }
  return names;
}

/** The profile in effect: the one set, else the first whose tools the request declares; null for auto with no tools. */
export function pickProfile(setting: ToolsProfileSetting, declared: ReadonlySet<string> | null): ToolsProfile | null {
  if (setting !== "auto") return TOOLS_PROFILES[setting];
  if (declared === null) return null;
  return DETECTION_ORDER.find((profile) => profile.detect(declared)) ?? null;
}

export interface ToolContext {
  readonly scenario: string;
  readonly profile: ToolsProfile | null;
  readonly declared: ReadonlySet<string> | null;
  readonly strict: boolean;
  /** A tool the client did not declare went out as written (non-strict). */
  readonly onFallback?: (tool: string, at: string | undefined) => void;
}

/** The response with each tool call named and shaped for the client. */
export function resolveTools(response: ScenarioResponse, ctx: ToolContext): ScenarioResponse {
  return { ...response, parts: response.parts.map((part) => (part.type === "tool" ? resolvePart(part, ctx) : part)) };
}

type ToolPart = Extract<ScenarioPart, { type: "tool" }>;

function resolvePart(part: ToolPart, ctx: ToolContext): ToolPart {
  const choices = part.event !== undefined && ctx.profile !== null ? (ctx.profile.events[part.event as NamedToolEvent] ?? []) : [];
  // With no tools declared there is nothing to choose among: the profile's first choice (explicit profiles only).
  const choice = ctx.declared === null ? choices[0] : choices.find((c) => ctx.declared!.has(c.tool));
  if (choice !== undefined && (ctx.declared === null ? !ctx.strict : true)) {
    return { type: "tool", name: choice.tool, input: choice.input(part.input), delayMs: part.delayMs, ...(part.at !== undefined ? { at: part.at } : {}) };
  }
  if (ctx.declared !== null && ctx.declared.has(part.name)) return part;
  if (ctx.strict) throw new ScenarioStrictError(strictMessage(part, choices.map((c) => c.tool), ctx));
  if (ctx.declared !== null) ctx.onFallback?.(part.name, part.at);
  return part;
}

function strictMessage(part: ToolPart, wanted: string[], ctx: ToolContext): string {
  const where = part.at !== undefined ? `${part.at}: ` : "";
  const what =
    part.event === undefined
      ? `tool "${part.name}"`
      : wanted.length > 0
        ? `${part.event} needs ${wanted.map((t) => `"${t}"`).join(" or ")} (tools profile ${ctx.profile!.name})`
        : ctx.profile !== null
          ? `${part.event} has no tool in the ${ctx.profile.name} tools profile`
          : `${part.event} needs a tool named "${part.name}"`;
  const offered = ctx.declared === null || ctx.declared.size === 0 ? "the client declared no tools" : `the client offered: ${[...ctx.declared].join(", ")}`;
  return `scenario "${ctx.scenario}" stopped (strict mode): ${where}${what}, which the client did not declare; ${offered}`;
}
