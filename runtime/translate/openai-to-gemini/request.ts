// OpenAI chat completions request → Gemini generateContent request, plus the state the response side needs.
// The client body has been validated against schema/providers/openai.chat.request.json.
//
// The model and streaming are not in Gemini's body: the runtime puts the target's model in the URL and calls
// :streamGenerateContent?alt=sse for `stream: true` (runtime/upstream/paths.ts). Gemini always reports usage;
// stream_options.include_usage only decides whether the client gets a usage chunk.
// @see https://ai.google.dev/gemini-api/docs/openai (Google's own notes on the OpenAI mapping)
import type { GeminiGenerateContentRequest, OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { RequestTranslation, TranslationContext } from "../translator.ts";
import { FunctionNames } from "./function-names.ts";
import { translateGenerationConfig } from "./generation-config.ts";
import { translateMessages } from "./messages.ts";
import { translateToolChoice, translateTools } from "./tools.ts";
import { UnsupportedFields } from "../unsupported-fields.ts";
import { noteOpenAIOnlyParams } from "../openai-only-params.ts";
import { openaiClientState } from "../openai-completion.ts";

/** Characters per token for the estimate stream headers need before usage arrives. */

export function translateRequest(body: OpenAIChatRequest, context: TranslationContext): RequestTranslation<GeminiGenerateContentRequest> {
  const unsupported = new UnsupportedFields("the Gemini API");
  const names = new FunctionNames();
  noteOpenAIOnlyParams(body, unsupported, { penaltiesAndSeed: false });
  // Tools before messages: under `reject`, a problem in a definition is reported ahead of one in the history.
  const tools = translateTools(body, names, unsupported);
  const toolConfig = translateToolChoice(body, tools.length > 0, names, unsupported);
  const conversation = translateMessages(body.messages, names, unsupported);
  const generationConfig = translateGenerationConfig(body, unsupported);

  const problem = context.options.unsupported === "reject" ? unsupported.problem() : undefined;
  if (problem) return { ok: false, problem };
  if (conversation.contents.length === 0) {
    return { ok: false, problem: { path: "/messages", message: "the Gemini API needs at least one user or assistant message with content" } };
  }

  const upstream: GeminiGenerateContentRequest = {
    contents: conversation.contents,
    ...(conversation.system.length > 0 ? { systemInstruction: { parts: conversation.system } } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolConfig ? { toolConfig } : {}),
    ...(generationConfig ? { generationConfig } : {}),
  };
  return {
    ok: true,
    body: upstream,
    state: openaiClientState(body, context, unsupported.dropped, names.upstreamToClient),
  };
}
