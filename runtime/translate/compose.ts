// Two translators in a row, for pairs that have no direct translator: an Anthropic client on Gemini or
// Ollama goes Anthropic → OpenAI → provider, reusing both translators' mapping rules rather than a third
// copy of them. The middle format is OpenAI chat completions. Streams pass through the middle as the SSE
// text the first translator writes; it is re-read here by a minimal parser, which is safe because that
// text is our own output (`data: <json>\n\n` frames only), not an upstream's.
import type { StreamTranslator, TranslationState, Translator } from "./translator.ts";

/** The first translator's state, and the second's, which the response side needs in reverse order. */
interface ComposedState extends TranslationState {
  readonly outer: TranslationState;
  readonly inner: TranslationState;
}

/** Splits `data: …\n\n` frames written by translate/sse.ts back into their data. */
function framesOf(text: string): string[] {
  const data: string[] = [];
  for (const frame of text.split("\n\n")) {
    for (const line of frame.split("\n")) if (line.startsWith("data: ")) data.push(line.slice(6));
  }
  return data;
}

/**
 * `outer` speaks the client's API to the middle format; `inner` speaks the middle format to the upstream.
 * The middle format must be what `outer` sends upstream and `inner` accepts from its client.
 */
export function composeTranslators<ClientRequest, MiddleRequest, UpstreamRequest, UpstreamResponse, MiddleResponse, ClientResponse>(
  outer: Translator<ClientRequest, MiddleRequest, MiddleResponse, ClientResponse>,
  inner: Translator<MiddleRequest, UpstreamRequest, UpstreamResponse, MiddleResponse>,
): Translator<ClientRequest, UpstreamRequest, UpstreamResponse, ClientResponse> {
  return {
    client: outer.client,
    upstream: inner.upstream,
    request(body, context) {
      const first = outer.request(body, context);
      if (!first.ok) return first;
      const second = inner.request(first.body, { ...context, clientModel: context.upstreamModel });
      if (!second.ok) return second;
      const state: ComposedState = {
        ...first.state,
        dropped: [...first.state.dropped, ...second.state.dropped],
        outer: first.state,
        // The middle request always asks for usage, so the inner stream emits it for the outer one to read.
        inner: { ...second.state, includeUsage: true },
      };
      return { ok: true, body: second.body, state };
    },
    response(body, state) {
      const { outer: o, inner: i } = state as ComposedState;
      return outer.response(inner.response(body, i), o);
    },
    stream(state): StreamTranslator {
      const { outer: o, inner: i } = state as ComposedState;
      const innerStream = inner.stream(i);
      const outerStream = outer.stream(o);
      const relay = (middle: string) => {
        let out = "";
        for (const data of framesOf(middle)) out += outerStream.event(undefined, data);
        return out;
      };
      return {
        event: (event, data) => relay(innerStream.event(event, data)),
        // An unreadable upstream ends both halves: the outer one would otherwise close its answer cleanly.
        end: () => (innerStream.unreadable !== null ? "" : relay(innerStream.end()) + outerStream.end()),
        ...(innerStream.upstreamUsage ? { upstreamUsage: innerStream.upstreamUsage } : {}),
        // Only the inner half reads an upstream's bytes; the outer one reads the inner's own output.
        get unreadable() {
          return innerStream.unreadable;
        },
      };
    },
    error: (status, body) => outer.error(status, inner.error(status, body)),
  };
}
