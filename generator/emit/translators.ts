// The translators this build knows, one per (client API, upstream API) pair, with the wire types of both
// sides. A route module binds the translator to a typed constant, so tsc checks every translated route
// against generated/types: a translator that cannot speak a pair's types fails `make build` at the route.
import type { ClientApi } from "../ir.ts";

export interface TranslatorSpec {
  /** Runtime module, relative to runtime/. */
  module: string;
  exportName: string;
  /** Translator<ClientRequest, UpstreamRequest, UpstreamResponse, ClientResponse> type arguments. */
  typeArgs: readonly [string, string, string, string];
}

const WIRE = {
  openai: { request: "OpenAIChatRequest", response: "OpenAIChatResponse" },
  anthropic: { request: "AnthropicMessagesRequest", response: "AnthropicMessagesResponse" },
} as const;

const SPECS: Record<string, TranslatorSpec> = {
  "openai>anthropic": {
    module: "translate/openai-to-anthropic/index.ts",
    exportName: "openaiToAnthropic",
    typeArgs: [WIRE.openai.request, WIRE.anthropic.request, WIRE.anthropic.response, WIRE.openai.response],
  },
  "anthropic>openai": {
    module: "translate/anthropic-to-openai/index.ts",
    exportName: "anthropicToOpenAI",
    typeArgs: [WIRE.anthropic.request, WIRE.openai.request, WIRE.openai.response, WIRE.anthropic.response],
  },
};

/** The translator from `client` to `upstream`; undefined when they speak the same API (pass-through). */
export function translatorFor(client: ClientApi, upstream: ClientApi): TranslatorSpec | undefined {
  if (client === upstream) return undefined;
  const spec = SPECS[`${client}>${upstream}`];
  if (!spec) throw new Error(`no translator from ${client} to ${upstream}`);
  return spec;
}
