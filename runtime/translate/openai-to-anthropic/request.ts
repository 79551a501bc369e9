// OpenAI chat completions request → Anthropic messages request, plus the state the response side needs.
// The client body has been validated against schema/providers/openai.chat.request.json.
//
// Sampling: Anthropic's temperature range is 0–1 where OpenAI's is 0–2, so values above 1 are clamped to 1
// (the most random Anthropic allows) rather than rescaled: a client's 0.2 or 0.7 means the same on both.
// @see https://docs.anthropic.com/en/api/openai-sdk (Anthropic's own notes on the OpenAI mapping)
import type { AnthropicMessagesRequest, AnthropicTextBlockParam, AnthropicToolChoice, OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { RequestTranslation, TranslationContext } from "../translator.ts";
import { translateMessages } from "./messages.ts";
import { samplingWithThinking, translateReasoning } from "./reasoning.ts";
import type { Sampling } from "./reasoning.ts";
import { responseFormatInstruction } from "./response-format.ts";
import { translateToolChoice, translateTools } from "./tools.ts";
import { UnsupportedFields } from "../unsupported-fields.ts";
import { noteOpenAIOnlyParams } from "../openai-only-params.ts";
import { openaiClientState } from "../openai-completion.ts";

export function translateRequest(body: OpenAIChatRequest, context: TranslationContext): RequestTranslation<AnthropicMessagesRequest> {
  const { options } = context;
  const unsupported = new UnsupportedFields("the Anthropic messages API");
  noteOpenAIOnlyParams(body, unsupported, { penaltiesAndSeed: true });
  const conversation = translateMessages(body.messages, unsupported);
  const tools = translateTools(body, unsupported);

  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? options.defaultMaxTokens;
  const reasoning = translateReasoning(body.reasoning_effort, maxTokens, options.defaultMaxTokens, unsupported);
  const sampling = samplingFor(body, translateToolChoice(body, tools.length > 0, unsupported));
  const { temperature, topP, toolChoice } = reasoning ? samplingWithThinking(sampling, unsupported) : sampling;

  const stop = stopSequences(body.stop, unsupported);
  const problem = options.unsupported === "reject" ? unsupported.problem() : undefined;
  if (problem) return { ok: false, problem };
  if (conversation.messages.length === 0) {
    return { ok: false, problem: { path: "/messages", message: "the Anthropic messages API needs at least one user or assistant message with content" } };
  }

  const system = systemPrompt([...conversation.system, ...responseFormatInstruction(body.response_format)]);
  const userId = body.user ?? body.safety_identifier;
  const upstream: AnthropicMessagesRequest = {
    model: context.upstreamModel,
    max_tokens: reasoning ? reasoning.maxTokens : maxTokens,
    ...(system !== undefined ? { system } : {}),
    messages: conversation.messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(stop.length > 0 ? { stop_sequences: stop } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { top_p: topP } : {}),
    ...(userId ? { metadata: { user_id: userId } } : {}),
    ...(reasoning ? { thinking: reasoning.thinking } : {}),
    ...(body.stream ? { stream: true } : {}),
  };
  return {
    ok: true,
    body: upstream,
    state: openaiClientState(body, context, unsupported.dropped),
  };
}

/** Anthropic rejects stop sequences that are empty or only whitespace ("\n" is a common OpenAI stop). */
function stopSequences(stop: OpenAIChatRequest["stop"], unsupported: UnsupportedFields): string[] {
  const sequences = typeof stop === "string" ? [stop] : (stop ?? []);
  return sequences.filter((sequence, i) => {
    if (/\S/.test(sequence)) return true;
    unsupported.note(typeof stop === "string" ? ["stop"] : ["stop", i], `the whitespace-only stop sequence ${JSON.stringify(sequence)}`);
    return false;
  });
}

/** One string when no block carries a cache breakpoint (the common, readable case), else the blocks. */
function systemPrompt(blocks: AnthropicTextBlockParam[]): AnthropicMessagesRequest["system"] {
  if (blocks.length === 0) return undefined;
  if (blocks.some((b) => b.cache_control)) return blocks;
  return blocks.map((b) => b.text).join("\n\n");
}

function samplingFor(body: OpenAIChatRequest, toolChoice: AnthropicToolChoice | undefined): Sampling {
  const temperature = body.temperature ?? undefined;
  return { temperature: temperature === undefined ? undefined : Math.min(Math.max(temperature, 0), 1), topP: body.top_p ?? undefined, toolChoice };
}
