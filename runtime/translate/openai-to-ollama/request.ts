// OpenAI chat completions request → Ollama /api/chat request, plus the state the response side needs.
// The client body has been validated against schema/providers/openai.chat.request.json.
//
// `stream` is always sent: Ollama streams NDJSON unless told `stream: false`, and a client that did not
// ask for a stream expects one JSON body. reasoning_effort turns thinking on (`think: true`) whatever the
// effort, since only some models take a level, and "none" turns it off; without it the model's default
// applies. Asking a model that cannot think to think is Ollama's 400 to give, not ours.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
import type { OllamaChatRequest, OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { RequestTranslation, TranslationContext } from "../translator.ts";
import { translateMessages } from "./messages.ts";
import { translateOptions } from "./options.ts";
import { translateResponseFormat } from "./response-format.ts";
import { translateTools } from "./tools.ts";
import { UnsupportedFields } from "../unsupported-fields.ts";
import { noteOpenAIOnlyParams } from "../openai-only-params.ts";
import { openaiClientState } from "../openai-completion.ts";


export function translateRequest(body: OpenAIChatRequest, context: TranslationContext): RequestTranslation<OllamaChatRequest> {
  const unsupported = new UnsupportedFields("Ollama's chat API");
  noteOpenAIOnlyParams(body, unsupported, { penaltiesAndSeed: false });
  const messages = translateMessages(body.messages, unsupported);
  const tools = translateTools(body, unsupported);
  const problem = context.options.unsupported === "reject" ? unsupported.problem() : undefined;
  if (problem) return { ok: false, problem };

  const format = translateResponseFormat(body.response_format);
  const options = translateOptions(body);
  const think = thinkOf(body.reasoning_effort);
  const upstream: OllamaChatRequest = {
    model: context.upstreamModel,
    messages,
    ...(tools.length > 0 ? { tools } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(options ? { options } : {}),
    ...(think !== undefined ? { think } : {}),
    stream: body.stream === true,
  };
  return {
    ok: true,
    body: upstream,
    state: openaiClientState(body, context, unsupported.dropped),
  };
}

function thinkOf(effort: string | null | undefined): boolean | undefined {
  if (effort === undefined || effort === null) return undefined;
  return effort !== "none";
}
