// Responses request → chat completions request, for OpenAI-format upstreams that do not speak the
// Responses API (and, composed, for Anthropic, Gemini and Ollama: see runtime/translate/compose.ts).
//
// Choices worth knowing:
// - max_output_tokens becomes `max_tokens`, which vLLM, DeepSeek, Ollama and most compatible servers read
//   (as anthropic-to-openai does); reasoning.effort becomes reasoning_effort; text.format becomes
//   response_format and text.verbosity verbosity.
// - Streams ask for stream_options.include_usage, so the translated stream ends with real counts.
// - previous_response_id is always a 400, whatever the unsupported policy: nothing here stored the earlier
//   response, and answering without it would silently lose the conversation. The message says what to
//   send instead (docs/translation.md).
// - store and metadata are not sent (chat would store the completion at the upstream); metadata is echoed
//   and `store` is answered false. reasoning.summary and include are accepted: reasoning always comes back
//   as a summary, and reasoning.encrypted_content is honoured for thinking-block signatures.
// - Built-in tools (web_search, file_search, computer use, custom, local_shell, mcp, …), tool choices
//   naming them, truncation "auto", background, top_logprobs, and any top-level field not listed here go
//   through the route's unsupported policy.
import type { OpenAIChatRequest, OpenAIChatTool, OpenAIResponsesRequest } from "../../../generated/types/index.ts";
import type { RequestTranslation, TranslationContext, TranslationProblem } from "../translator.ts";
import { UnsupportedFields } from "../unsupported-fields.ts";
import { estimatePromptTokens } from "../../usage/token-estimate.ts";
import { echoOf, type ResponsesState } from "../responses/envelope.ts";
import { translateInput } from "./input.ts";

/** Top-level fields translated below, or accepted because they change nothing a translated target does. */
const HANDLED = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "stream",
  "max_output_tokens",
  "temperature",
  "top_p",
  "reasoning",
  "text",
  "store",
  "metadata",
  "include",
  "user",
  "safety_identifier",
  "prompt_cache_key",
  "service_tier",
  "truncation",
  "background",
  "previous_response_id",
  "stream_options",
  // Client telemetry (Codex sends its session and turn ids): nothing an upstream answers differently to.
  "client_metadata",
]);

export const PREVIOUS_RESPONSE_UNSUPPORTED: TranslationProblem = {
  path: "/previous_response_id",
  message:
    "previous_response_id is not supported for this model: its upstream does not speak the Responses API and Switchyard does not store responses. Send the whole conversation in `input` (earlier output items and function_call_output items included) with `store: false`",
};

/**
 * The request translation; `keepReasoning` when chat is only the middle of a composition (to Anthropic) and
 * earlier reasoning items should reach the next translator (see input.ts).
 */
export function requestTranslation(keepReasoning: boolean) {
  return (body: OpenAIResponsesRequest, context: TranslationContext): RequestTranslation<OpenAIChatRequest> => translateRequest(body, context, keepReasoning);
}

function translateRequest(body: OpenAIResponsesRequest, context: TranslationContext, keepReasoning: boolean): RequestTranslation<OpenAIChatRequest> {
  if (typeof body.previous_response_id === "string" && body.previous_response_id !== "") return { ok: false, problem: PREVIOUS_RESPONSE_UNSUPPORTED };
  const unsupported = new UnsupportedFields("the chat completions API");
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    if (!HANDLED.has(key)) unsupported.noteValue([key], value);
  }
  if (body.truncation === "auto") unsupported.noteValue(["truncation"], body.truncation);
  if (body.background === true) unsupported.noteValue(["background"], true);

  const tools = translateTools(body, unsupported);
  const messages = translateInput(body, unsupported, keepReasoning);
  const upstream: OpenAIChatRequest = { model: context.upstreamModel, messages };
  if (tools.length > 0) upstream.tools = tools;
  const choice = translateToolChoice(body, tools, unsupported);
  if (choice !== undefined) upstream.tool_choice = choice;
  if (typeof body.parallel_tool_calls === "boolean" && tools.length > 0) upstream.parallel_tool_calls = body.parallel_tool_calls;
  if (typeof body.max_output_tokens === "number") upstream.max_tokens = body.max_output_tokens;
  if (typeof body.temperature === "number") upstream.temperature = body.temperature;
  if (typeof body.top_p === "number") upstream.top_p = body.top_p;
  if (typeof body.reasoning?.effort === "string") upstream.reasoning_effort = body.reasoning.effort;
  const format = body.text?.format;
  if (format?.type === "json_object") upstream.response_format = { type: "json_object" };
  else if (format?.type === "json_schema") {
    upstream.response_format = {
      type: "json_schema",
      json_schema: {
        name: format.name ?? "output",
        ...(format.schema ? { schema: format.schema } : {}),
        ...(format.description ? { description: format.description } : {}),
        ...(typeof format.strict === "boolean" ? { strict: format.strict } : {}),
      },
    };
  }
  if (typeof body.text?.verbosity === "string") upstream.verbosity = body.text.verbosity;
  if (typeof body.user === "string") upstream.user = body.user;
  if (typeof body.safety_identifier === "string") upstream.safety_identifier = body.safety_identifier;
  if (typeof body.prompt_cache_key === "string") upstream.prompt_cache_key = body.prompt_cache_key;
  if (typeof body.service_tier === "string") upstream.service_tier = body.service_tier;
  if (body.stream) {
    upstream.stream = true;
    upstream.stream_options = { include_usage: true };
  }

  const problem = context.options.unsupported === "reject" ? unsupported.problem() : undefined;
  if (problem) return { ok: false, problem };
  const state: ResponsesState = {
    clientModel: context.clientModel,
    toolNames: new Map(),
    includeUsage: false,
    dropped: unsupported.dropped,
    estimatedInputTokens: Math.max(1, estimatePromptTokens(body)),
    responseId: `resp_${context.requestId.replace(/^req_/, "")}`,
    created: context.now,
    echo: echoOf(body),
  };
  return { ok: true, body: upstream, state };
}

function translateTools(body: OpenAIResponsesRequest, unsupported: UnsupportedFields): OpenAIChatTool[] {
  const tools: OpenAIChatTool[] = [];
  (body.tools ?? []).forEach((tool, i) => {
    if (tool.type !== "function" || !("name" in tool) || typeof tool.name !== "string") {
      unsupported.note(["tools", i], `a ${tool.type} tool`);
      return;
    }
    const fn = tool as Extract<typeof tool, { type: "function" }>;
    tools.push({
      type: "function",
      function: {
        name: fn.name,
        ...(typeof fn.description === "string" ? { description: fn.description } : {}),
        parameters: fn.parameters ?? { type: "object", properties: {} },
        ...(typeof fn.strict === "boolean" ? { strict: fn.strict } : {}),
      },
    });
  });
  return tools;
}

function translateToolChoice(body: OpenAIResponsesRequest, tools: OpenAIChatTool[], unsupported: UnsupportedFields): OpenAIChatRequest["tool_choice"] {
  const choice = body.tool_choice;
  if (choice === undefined || choice === null) return undefined;
  // Without tools upstream (all were built-in ones, dropped), a choice would make the request invalid.
  if (tools.length === 0) return choice === "none" ? undefined : undefined;
  if (typeof choice === "string") {
    if (choice === "none" || choice === "auto" || choice === "required") return choice;
    unsupported.noteValue(["tool_choice"], choice);
    return undefined;
  }
  if (choice.type === "function" && typeof choice.name === "string") return { type: "function", function: { name: choice.name } };
  unsupported.note(["tool_choice"], `tool_choice of type ${choice.type}`);
  return undefined;
}
