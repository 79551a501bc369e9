// The contract every format translator fills: a client API on one side, an upstream API on the other.
// The generator picks one translator per (client API, upstream API) pair at build time and binds it to a
// target with the route's options; the compiler checks each binding against the generated wire types of
// both sides (generated/types), so a route whose translation cannot type-check fails `make build`.
//
// Translators are pure functions of their input: no I/O, no clock (ids and timestamps come in through
// the state), and they never throw on upstream data, which is not trusted to match its schema.
import type { ClientApi } from "../contract.ts";

/** Every wire format a translator can speak to upstream: the two client APIs plus provider-native ones. */
export type UpstreamApi = ClientApi | "gemini" | "ollama";

/** What to do with a request field the upstream API cannot express. */
export type UnsupportedPolicy = "drop" | "reject";

/** Per-route settings, inlined by the generator as constants. */
import type { Usage } from "../usage/usage.ts";

export interface TranslationOptions {
  /** max_tokens sent to an upstream that requires it (Anthropic) when the client gave none. */
  readonly defaultMaxTokens: number;
  /** drop: leave the field out and record it in the request log; reject: 400 naming the field. */
  readonly unsupported: UnsupportedPolicy;
  /**
   * Anthropic clients on an OpenAI-format upstream: keep `cache_control` markers on content parts and tools.
   * Only for upstreams that understand them there (OpenRouter, LiteLLM); OpenAI itself does not.
   */
  readonly keepCacheControl: boolean;
}

/** What the request translation learned that the response translation needs. */
export interface TranslationState {
  /** The model the client asked for: translated responses name it, not the upstream's model. */
  readonly clientModel: string;
  /** Upstream tool name → client tool name, for names rewritten to fit the upstream's limits. */
  readonly toolNames: ReadonlyMap<string, string>;
  /** OpenAI clients: the client asked for a usage chunk (stream_options.include_usage). */
  readonly includeUsage: boolean;
  /** Client request fields the upstream cannot express and that were left out, as dotted paths. */
  readonly dropped: readonly string[];
  /** Rough prompt size in tokens (characters / 4), for stream headers that need one before usage arrives. */
  readonly estimatedInputTokens: number;
  /** Response id and creation time (seconds) for responses the translator has to invent ids for. */
  readonly responseId: string;
  readonly created: number;
}

/** A request field the upstream cannot express, under the `reject` policy (or a request that makes no sense). */
export interface TranslationProblem {
  /** JSON pointer into the client's request body. */
  readonly path: string;
  readonly message: string;
}

export type RequestTranslation<UpstreamRequest> =
  | { readonly ok: true; readonly body: UpstreamRequest; readonly state: TranslationState }
  | { readonly ok: false; readonly problem: TranslationProblem };

/** Identity of the exchange, passed into request translation so translators stay free of clocks and RNGs. */
export interface TranslationContext {
  readonly clientModel: string;
  /** The model sent upstream (the target's rename, or the client's model). */
  readonly upstreamModel: string;
  readonly requestId: string;
  /** Unix seconds. */
  readonly now: number;
  readonly options: TranslationOptions;
}

/**
 * Turns an upstream's server-sent events into the client's, one event at a time. Each call returns the
 * SSE text to write to the client now ("" for nothing), so nothing buffers the whole stream.
 */
export interface StreamTranslator {
  /**
   * One upstream event: for SSE upstreams `event` is the SSE event name (undefined when the upstream sends
   * none) and `data` its data; for NDJSON upstreams (Ollama) each line is one event with no name.
   */
  event(event: string | undefined, data: string): string;
  /** The upstream stream ended (cleanly or not): whatever closing frames the client is still owed. */
  end(): string;
  /**
   * Why the upstream's stream cannot be read on, once an event's data was not a JSON object (null until
   * then; see unreadableEvent). Skipping such an event would end the client's stream as a clean, shorter
   * answer, so the translator writes nothing for it or after it (end() included), and the runtime ends the
   * client's stream with an error event in its format, logs the reason and counts it against the upstream.
   */
  readonly unreadable: string | null;
  /**
   * The usage the upstream reported so far, for the request log. Provider-native streams (Gemini, Ollama)
   * implement it: the client-format stream only carries usage when an OpenAI client asked for it, and the
   * log needs it either way. OpenAI- and Anthropic-format upstreams are read by the log's own stream tap.
   */
  upstreamUsage?(): Usage | null;
}

export interface Translator<ClientRequest, UpstreamRequest, UpstreamResponse, ClientResponse> {
  readonly client: ClientApi;
  readonly upstream: UpstreamApi;
  /** Client request → upstream request, or a problem to answer with 400. */
  request(body: ClientRequest, context: TranslationContext): RequestTranslation<UpstreamRequest>;
  /** Upstream 2xx JSON body → client body. Never throws: missing fields become empty values. */
  response(body: UpstreamResponse, state: TranslationState): ClientResponse;
  /** A fresh translator for one streamed response. */
  stream(state: TranslationState): StreamTranslator;
  /** An upstream error (any non-2xx status, its raw body) → the client's error body. */
  error(status: number, body: string): string;
}

/** A translator of any pair, as the runtime holds it: the generated route has already checked the types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTranslator = Translator<any, any, any, any>;
