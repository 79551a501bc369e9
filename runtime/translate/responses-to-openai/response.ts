// chat.completion → Responses response. Output items in the order a Responses model produces them:
// reasoning (reasoning_content / reasoning, with each thinking block's signature as encrypted_content when
// the client asked for reasoning.encrypted_content), then the message (text, or a refusal), then one
// function_call item per tool call. finish_reason length / content_filter make the response incomplete.
import type { OpenAIChatResponse, OpenAIResponsesOutputItem, OpenAIResponsesResponse } from "../../../generated/types/index.ts";
import type { TranslationState } from "../translator.ts";
import { argumentsText, isObject, objectOf, reasoningOf, textOf, type Loose } from "../anthropic-to-openai/untrusted.ts";
import { envelope, itemId, REDACTED_PREFIX, THINKING_PREFIX, type ResponsesState } from "../responses/envelope.ts";
import { incompleteReason, usageFromChat } from "./usage.ts";

export function translateResponse(body: OpenAIChatResponse, state: TranslationState): OpenAIResponsesResponse {
  const rs = state as ResponsesState;
  const root = objectOf(body);
  const choices = Array.isArray(root.choices) ? root.choices : [];
  const choice = objectOf(choices.find((c): c is Loose => isObject(c) && (c.index ?? 0) === 0));
  const message = objectOf(choice.message);
  const output: OpenAIResponsesOutputItem[] = [];
  let outputChars = 0;

  const reasoning = reasoningOf(message);
  const blocks = rs.echo.encryptedReasoning && Array.isArray(message.thinking_blocks) ? message.thinking_blocks.filter(isObject) : [];
  if (blocks.length > 0) {
    for (const block of blocks) {
      if (block.type === "thinking") {
        const text = typeof block.thinking === "string" ? block.thinking : "";
        outputChars += text.length;
        output.push({
          type: "reasoning",
          id: itemId(state, "rs", output.length),
          summary: text ? [{ type: "summary_text", text }] : [],
          encrypted_content: typeof block.signature === "string" ? THINKING_PREFIX + block.signature : null,
        });
      } else if (block.type === "redacted_thinking" && typeof block.data === "string") {
        output.push({ type: "reasoning", id: itemId(state, "rs", output.length), summary: [], encrypted_content: REDACTED_PREFIX + block.data });
      }
    }
  } else if (reasoning !== "") {
    outputChars += reasoning.length;
    output.push({ type: "reasoning", id: itemId(state, "rs", output.length), summary: [{ type: "summary_text", text: reasoning }] });
  }

  const text = textOf(message.content);
  const refusal = typeof message.refusal === "string" ? message.refusal : "";
  outputChars += text.length + refusal.length;
  if (text !== "" || refusal !== "") {
    output.push({
      type: "message",
      id: itemId(state, "msg", output.length),
      role: "assistant",
      status: "completed",
      content: text !== "" ? [{ type: "output_text", text, annotations: [] }] : [{ type: "refusal", refusal }],
    });
  }

  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  calls.forEach((raw, n) => {
    if (!isObject(raw)) return;
    const fn = objectOf(raw.function);
    const name = typeof fn.name === "string" ? fn.name : "";
    const args = argumentsText(fn.arguments);
    outputChars += name.length + args.length;
    output.push({
      type: "function_call",
      id: itemId(state, "fc", output.length),
      call_id: typeof raw.id === "string" && raw.id !== "" ? raw.id : `call_${state.responseId}_${n}`,
      name,
      arguments: args,
      status: "completed",
    });
  });

  const incomplete = incompleteReason(choice.finish_reason);
  const usage = usageFromChat(root.usage, state.estimatedInputTokens, outputChars);
  return envelope(rs, incomplete === null ? "completed" : "incomplete", output, usage, incomplete);
}
