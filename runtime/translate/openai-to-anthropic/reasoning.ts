// reasoning_effort → Anthropic extended thinking with a fixed budget per effort. Anthropic requires
// max_tokens > budget_tokens, while OpenAI's max_completion_tokens already includes reasoning: when the
// client's limit would not exceed the budget, max_tokens becomes budget + defaultMaxTokens, so the answer
// keeps room after the thinking (a client limit below the budget cannot be honoured exactly either way).
// "none" (OpenAI's "no reasoning") sends no thinking; values Anthropic has no budget for are unsupported.
// While thinking, Anthropic only accepts temperature 1, top_p ≥ 0.95 and a tool_choice that does not force
// a call; other values are noted as unsupported and, under `drop`, left out: thinking wins.
// @see https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking
import type { AnthropicThinkingEnabled, AnthropicToolChoice } from "../../../generated/types/index.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

/** Anthropic rejects top_p below this while thinking. */
const THINKING_MIN_TOP_P = 0.95;

/** Anthropic's minimum budget is 1024. */
const BUDGETS: Readonly<Record<string, number>> = { minimal: 1024, low: 1024, medium: 4096, high: 16384, xhigh: 32768 };

export interface Thinking {
  thinking: AnthropicThinkingEnabled;
  maxTokens: number;
}

export function translateReasoning(
  effort: string | null | undefined,
  maxTokens: number,
  defaultMaxTokens: number,
  unsupported: UnsupportedFields,
): Thinking | undefined {
  if (effort === undefined || effort === null || effort === "none") return undefined;
  const budget = BUDGETS[effort];
  if (budget === undefined) {
    unsupported.noteValue(["reasoning_effort"], effort);
    return undefined;
  }
  return { thinking: { type: "enabled", budget_tokens: budget }, maxTokens: maxTokens > budget ? maxTokens : budget + defaultMaxTokens };
}

export interface Sampling {
  temperature: number | undefined;
  topP: number | undefined;
  toolChoice: AnthropicToolChoice | undefined;
}

export function samplingWithThinking(sampling: Sampling, unsupported: UnsupportedFields): Sampling {
  let { temperature, topP, toolChoice } = sampling;
  if (temperature !== undefined && temperature !== 1) {
    unsupported.note(["temperature"], `temperature=${temperature} together with reasoning_effort`);
    temperature = undefined;
  }
  if (topP !== undefined && topP < THINKING_MIN_TOP_P) {
    unsupported.note(["top_p"], `top_p=${topP} together with reasoning_effort`);
    topP = undefined;
  }
  if (toolChoice?.type === "any" || toolChoice?.type === "tool") {
    unsupported.note(["tool_choice"], "a tool_choice that forces a tool call together with reasoning_effort");
    // auto is the default; it is only worth sending to keep disable_parallel_tool_use.
    toolChoice = toolChoice.disable_parallel_tool_use ? { type: "auto", disable_parallel_tool_use: true } : undefined;
  }
  return { temperature, topP, toolChoice };
}
