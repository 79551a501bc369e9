// Responses clients on the targets that answer whichever API the client speaks by rendering it themselves
// (the offline `scenario` provider, `command` CLIs): the request is translated to chat completions as for an
// OpenAI-format upstream, the target renders chat, and what it writes is translated back on its way out by
// the same translator (runtime/translate/responses-to-openai/), so those providers need no third renderer.
import type { ClientResponse, ClientSink } from "../client/response.ts";
import type { AttemptOutcome, AttemptRequest } from "../attempts/http.ts";
import { responsesToOpenAI } from "../translate/responses-to-openai/index.ts";
import type { StreamTranslator, TranslationOptions, TranslationState } from "../translate/translator.ts";
import { Stop } from "../attempts/target-walk.ts";

/** Scenario and command targets never drop a field (they read text only); nothing is unsupported there. */
const OPTIONS: TranslationOptions = { defaultMaxTokens: 4096, unsupported: "drop", keepCacheControl: false };

/** Splits the `data: …\n\n` frames a chat renderer writes (our own output, one event per frame). */
function dataOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) if (line.startsWith("data: ")) out.push(line.slice(6));
  return out;
}

/** A client sink that takes chat frames or bodies and writes the Responses API's to the real client. */
class ResponsesSink implements ClientSink {
  private stream: StreamTranslator | null = null;
  private buffer = "";

  constructor(
    private readonly client: ClientResponse,
    private readonly state: TranslationState,
  ) {}

  get aborted(): boolean {
    return this.client.aborted;
  }

  get started(): boolean {
    return this.client.started;
  }

  onAbort(handler: (() => void) | null): void {
    this.client.onAbort(handler);
  }

  send(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array): void {
    const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
    let out = text;
    if (status < 300) {
      try {
        out = JSON.stringify(responsesToOpenAI.response(JSON.parse(text), this.state));
      } catch {
        /* not a chat body: sent as it is */
      }
    }
    this.client.send(status, headers, out);
  }

  begin(status: number, headers: Readonly<Record<string, string>>, source?: Parameters<ClientResponse["begin"]>[2]): void {
    this.stream = responsesToOpenAI.stream(this.state);
    this.client.begin(status, headers, source);
  }

  write(chunk: Uint8Array | string): void {
    if (this.stream === null) return;
    // Frames may be split across writes: translate whole frames only.
    this.buffer += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    const cut = this.buffer.lastIndexOf("\n\n");
    if (cut < 0) return;
    const whole = this.buffer.slice(0, cut + 2);
    this.buffer = this.buffer.slice(cut + 2);
    let out = "";
    for (const data of dataOf(whole)) out += this.stream.event(undefined, data);
    if (out !== "") this.client.write(out);
  }

  end(): void {
    if (this.stream !== null) {
      let out = "";
      for (const data of dataOf(this.buffer)) out += this.stream.event(undefined, data);
      this.buffer = "";
      out += this.stream.end();
      if (out !== "") this.client.write(out);
    }
    this.client.end();
  }

  close(): void {
    this.client.close();
  }
}

/** A Responses request as chat, for a scenario or command target: prepared once per target by the walk. */
export interface ChatForResponses {
  readonly request: AttemptRequest;
  readonly json: unknown;
  readonly state: TranslationState;
}

/** The chat translation of a Responses request; a request chat cannot express is a 400. */
export function chatForResponses(request: AttemptRequest, json: unknown): ChatForResponses | Stop {
  const translated = responsesToOpenAI.request(json as Parameters<typeof responsesToOpenAI.request>[0], {
    clientModel: request.model,
    upstreamModel: request.model,
    requestId: request.requestId,
    now: Math.floor(Date.now() / 1000),
    options: OPTIONS,
  });
  if (!translated.ok) {
    const { path, message } = translated.problem;
    return new Stop({ status: 400, message: `invalid request at ${path}: ${message}`, param: path.slice(1).replaceAll("/", ".") || undefined });
  }
  const raw = JSON.stringify(translated.body);
  return { request: { ...request, api: "openai", raw, rawBytes: Buffer.from(raw) }, json: translated.body, state: translated.state };
}

/** Runs `attempt` on the chat request, translating what it writes back to the Responses API. */
export function attemptViaChat(
  via: ChatForResponses,
  client: ClientResponse,
  attempt: (request: AttemptRequest, json: unknown, sink: ClientSink) => Promise<AttemptOutcome>,
): Promise<AttemptOutcome> {
  return attempt(via.request, via.json, new ResponsesSink(client, via.state));
}
