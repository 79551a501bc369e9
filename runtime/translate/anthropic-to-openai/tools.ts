// Tool definitions and tool_choice. Every name goes through the ToolNameMap, so a name too long or too
// exotic for OpenAI (64 chars of [a-zA-Z0-9_-]) is shortened the same way in definitions, history and
// tool_choice, and the response maps it back.
import type {
  AnthropicCustomTool,
  AnthropicTool,
  AnthropicToolChoice,
  OpenAIChatFunctionTool,
  OpenAIChatRequest,
} from "../../../generated/types/index.ts";
import { cacheControlOf } from "./cache-control.ts";
import type { MessageContext } from "./messages.ts";

/** Client tools become functions; Anthropic-run server tools (web_search, bash, ...) have no OpenAI form. */
export function translateTools(tools: readonly AnthropicTool[], context: MessageContext): OpenAIChatFunctionTool[] {
  const out: OpenAIChatFunctionTool[] = [];
  tools.forEach((tool, i) => {
    if (tool.type != null && tool.type !== "custom") {
      context.unsupported.note(["tools", i], `server tools (${tool.type})`);
      return;
    }
    const custom = tool as AnthropicCustomTool;
    const fn: OpenAIChatFunctionTool["function"] = { name: context.toolNames.toUpstream(custom.name) };
    if (custom.description !== undefined) fn.description = custom.description;
    fn.parameters = custom.input_schema as unknown as Record<string, unknown>;
    // The same promise on both sides (inputs that always match the schema); an upstream whose strict
    // mode has stricter schema rules says so in its 400.
    if (custom.strict !== undefined) fn.strict = custom.strict;
    const definition: OpenAIChatFunctionTool = { type: "function", function: fn };
    if (context.keepCacheControl && custom.cache_control) definition.cache_control = cacheControlOf(custom.cache_control);
    out.push(definition);
  });
  return out;
}

type ChoiceFields = Pick<OpenAIChatRequest, "tool_choice" | "parallel_tool_calls">;

/**
 * tool_choice and parallel_tool_calls, only beside at least one function (OpenAI rejects them without
 * tools). `functions` are the client names of the tools that were translated.
 */
export function translateToolChoice(choice: AnthropicToolChoice | undefined, functions: ReadonlySet<string>, context: MessageContext): ChoiceFields {
  if (!choice) return {};
  const forcing = choice.type === "any" || choice.type === "tool";
  if (functions.size === 0 || (choice.type === "tool" && !functions.has(choice.name))) {
    // auto and none mean nothing without client tools; forcing a tool that was left out cannot be honoured.
    if (forcing) context.unsupported.note(["tool_choice"], "tool_choice forcing a server tool");
    return {};
  }
  const out: ChoiceFields = {};
  switch (choice.type) {
    case "auto":
      out.tool_choice = "auto";
      break;
    case "any":
      out.tool_choice = "required";
      break;
    case "tool":
      out.tool_choice = { type: "function", function: { name: context.toolNames.toUpstream(choice.name) } };
      break;
    case "none":
      out.tool_choice = "none";
      break;
  }
  if (choice.type !== "none" && choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}
