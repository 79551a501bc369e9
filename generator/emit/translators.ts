// The translators this build knows, one per (client API, upstream API) pair, with the wire types of both
// sides. A route module binds the translator to a constant of type Translator<…those types…>, so tsc checks
// every translated route against generated/types: a translator that cannot speak a pair's types fails
// `make build` at the route. Pairs without a direct translator are composed through the OpenAI format.
import type { EndpointApi, UpstreamApi } from "../ir.ts";

export interface TranslatorSpec {
  /** Name of the typed constant the route module binds, e.g. "anthropicToGemini". */
  binding: string;
  /** Runtime modules (relative to runtime/) and the export each provides. */
  imports: ReadonlyArray<{ module: string; name: string }>;
  /** The expression bound: a translator, or a composition of two. */
  expression: string;
  /** Translator<ClientRequest, UpstreamRequest, UpstreamResponse, ClientResponse> type arguments. */
  typeArgs: readonly [string, string, string, string];
}

const WIRE: Record<UpstreamApi, { request: string; response: string }> = {
  openai: { request: "OpenAIChatRequest", response: "OpenAIChatResponse" },
  anthropic: { request: "AnthropicMessagesRequest", response: "AnthropicMessagesResponse" },
  gemini: { request: "GeminiGenerateContentRequest", response: "GeminiGenerateContentResponse" },
  ollama: { request: "OllamaChatRequest", response: "OllamaChatResponse" },
  responses: { request: "OpenAIResponsesRequest", response: "OpenAIResponsesResponse" },
};

/** Direct translators: module and export, by "client>upstream". */
const DIRECT: Record<string, { module: string; name: string }> = {
  "openai>anthropic": { module: "translate/openai-to-anthropic/index.ts", name: "openaiToAnthropic" },
  "anthropic>openai": { module: "translate/anthropic-to-openai/index.ts", name: "anthropicToOpenAI" },
  "openai>gemini": { module: "translate/openai-to-gemini/index.ts", name: "openaiToGemini" },
  "openai>ollama": { module: "translate/openai-to-ollama/index.ts", name: "openaiToOllama" },
  "responses>openai": { module: "translate/responses-to-openai/index.ts", name: "responsesToOpenAI" },
};

const COMPOSE = { module: "translate/compose.ts", name: "composeTranslators" };

/**
 * The outer translator of a composition, where it differs from the direct one: a Responses client's
 * earlier reasoning (thinking blocks and their signatures) travels through the chat middle to Anthropic,
 * while a chat upstream itself never gets it.
 */
const COMPOSE_OUTER: Record<string, { module: string; name: string }> = {
  responses: { module: "translate/responses-to-openai/index.ts", name: "responsesToChatMiddle" },
};

function typeArgs(client: EndpointApi, upstream: UpstreamApi): TranslatorSpec["typeArgs"] {
  return [WIRE[client].request, WIRE[upstream].request, WIRE[upstream].response, WIRE[client].response];
}

/** The translator from `client` to `upstream`; undefined when they speak the same API (pass-through). */
export function translatorFor(client: EndpointApi, upstream: UpstreamApi): TranslatorSpec | undefined {
  if (client === upstream) return undefined;
  const binding = `${client}To${upstream[0]!.toUpperCase()}${upstream.slice(1)}`;
  const direct = DIRECT[`${client}>${upstream}`];
  if (direct) return { binding: `${binding}Checked`, imports: [direct], expression: direct.name, typeArgs: typeArgs(client, upstream) };
  // No direct pair: through OpenAI chat completions, the format every translator speaks.
  const outer = COMPOSE_OUTER[client] ?? DIRECT[`${client}>openai`];
  const inner = DIRECT[`openai>${upstream}`];
  if (!outer || !inner) throw new Error(`no translator from ${client} to ${upstream}`);
  return {
    binding,
    imports: [outer, inner, COMPOSE],
    expression: `${COMPOSE.name}(${outer.name}, ${inner.name})`,
    typeArgs: typeArgs(client, upstream),
  };
}
