// A loopback stand-in for Ollama's native API, so tests of an Ollama upstream never need a model:
// POST /api/chat answers NDJSON (application/x-ndjson, one JSON object per line) unless the request says
// `stream: false`, as Ollama does by default, and JSON otherwise; POST /api/embed answers deterministic
// vectors. Each request gets the next scripted behaviour, or the default one, and is recorded. Bodies,
// errors ({"error": "..."}) and counts follow a real Ollama server; any other path is Gin's plain 404.
// @see https://github.com/ollama/ollama/blob/main/docs/api.md
import type { ServerResponse } from "node:http";
import { createMockCore, DEFAULT_WAIT_MS, lowerCaseHeaders, parseJson, splitWords } from "./mock-server.ts";
import type { RecordedRequest, ToolCall } from "./mock-upstream.ts";

export type { RecordedRequest, ToolCall } from "./mock-upstream.ts";

/** Ollama's two counts: prompt_eval_count and eval_count. */
export interface OllamaMockUsage {
  input?: number;
  output?: number;
}

/** Known numbers, so a test can assert the gateway passed on Ollama's counts and not its own guess. */
export const DEFAULT_OLLAMA_USAGE: Readonly<Required<OllamaMockUsage>> = Object.freeze({ input: 26, output: 12 });
export const DEFAULT_OLLAMA_TEXT = "Hello from the mock Ollama.";
/** Vector length of /api/embed answers when the request gives no `dimensions`. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 8;

/** A normal answer. Text defaults to DEFAULT_OLLAMA_TEXT unless there is a tool call. On /api/embed: vectors. */
export interface OllamaReplyBehaviour {
  kind: "reply";
  text?: string;
  /** Thinking streamed (or returned) before the text, as a model run with `think: true` does. */
  thinking?: string;
  toolCall?: ToolCall;
  usage?: OllamaMockUsage;
  /** Default "stop"; "length" as when num_predict is reached. */
  doneReason?: string;
  /** Wait this long before sending response headers. */
  delayMs?: number;
}
/** An error status with Ollama's body {"error": message}. */
export interface OllamaErrorBehaviour {
  kind: "error";
  status: number;
  /** Default: what Ollama says for that status (404: model not found). */
  message?: string;
}
/** Status 200 and a stream that fails part-way: `words` content lines, then a line {"error": message}. */
export interface OllamaStreamErrorBehaviour {
  kind: "streamError";
  words?: number;
  message?: string;
}
/** Read the request, never answer. The connection is dropped by close(). */
export interface OllamaHangBehaviour {
  kind: "hang";
}
export type OllamaBehaviour = OllamaReplyBehaviour | OllamaErrorBehaviour | OllamaStreamErrorBehaviour | OllamaHangBehaviour;

export interface MockOllama {
  /** http://127.0.0.1:PORT, Ollama's base URL (paths /api/chat and /api/embed). */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Queue behaviours for the next requests, first in first out; the default applies once the queue is empty. */
  script(...behaviours: OllamaBehaviour[]): void;
  /** Resolves once at least n requests have been received in full. */
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  /** Drops every open connection (releasing hung requests) and stops listening. */
  close(): Promise<void>;
}

export interface MockOllamaOptions {
  /** Behaviour when the script queue is empty; default { kind: "reply" }. */
  default?: OllamaBehaviour;
}

/** Made-up but plausible timings (nanoseconds), so clients that compute tokens/s get sane numbers. */
const LOAD_NS = 14_250_000;
const NS_PER_PROMPT_TOKEN = 2_500_000;
const NS_PER_OUTPUT_TOKEN = 21_000_000;

const ERROR_MESSAGES: Record<number, (model: string) => string> = {
  400: () => "invalid request",
  404: (model) => `model "${model}" not found, try pulling it first`,
  500: () => "llama runner process has terminated: exit status 2",
  503: () => "server busy, please try again.  maximum pending requests exceeded",
};


function metrics(usage: Required<OllamaMockUsage>): object {
  const promptNs = usage.input * NS_PER_PROMPT_TOKEN;
  const evalNs = usage.output * NS_PER_OUTPUT_TOKEN;
  return {
    total_duration: LOAD_NS + promptNs + evalNs,
    load_duration: LOAD_NS,
    prompt_eval_count: usage.input,
    prompt_eval_duration: promptNs,
    eval_count: usage.output,
    eval_duration: evalNs,
  };
}

interface Answer {
  model: string;
  text: string;
  thinking: string | undefined;
  toolCall: ToolCall | undefined;
  usage: Required<OllamaMockUsage>;
  doneReason: string;
}

function answerOf(model: string, behaviour: OllamaReplyBehaviour): Answer {
  return {
    model,
    text: behaviour.text ?? (behaviour.toolCall ? "" : DEFAULT_OLLAMA_TEXT),
    thinking: behaviour.thinking,
    toolCall: behaviour.toolCall,
    usage: { ...DEFAULT_OLLAMA_USAGE, ...behaviour.usage },
    doneReason: behaviour.doneReason ?? "stop",
  };
}

function toolCallsOf(answer: Answer): object {
  return answer.toolCall ? { tool_calls: [{ function: { name: answer.toolCall.name, arguments: answer.toolCall.arguments } }] } : {};
}

function chatBody(answer: Answer): object {
  const message = { role: "assistant", content: answer.text, ...(answer.thinking !== undefined && { thinking: answer.thinking }), ...toolCallsOf(answer) };
  return { model: answer.model, created_at: new Date().toISOString(), message, done_reason: answer.doneReason, done: true, ...metrics(answer.usage) };
}

/** Thinking increments, text increments, the tool call (whole, in one line), then the done line with the counts. */
function chatLines(answer: Answer): object[] {
  const line = (message: object): object => ({ model: answer.model, created_at: new Date().toISOString(), message: { role: "assistant", content: "", ...message }, done: false });
  const lines = [
    ...splitWords(answer.thinking ?? "").map((thinking) => line({ thinking })),
    ...splitWords(answer.text).map((content) => line({ content })),
  ];
  if (answer.toolCall) lines.push(line(toolCallsOf(answer)));
  lines.push({ ...line({}), done_reason: answer.doneReason, done: true, ...metrics(answer.usage) });
  return lines;
}

/** A deterministic unit-ish vector per input, so tests can tell inputs apart by their embeddings. */
function embedBody(model: string, input: unknown, dimensions: number): object {
  const inputs = Array.isArray(input) ? input.map(String) : [String(input ?? "")];
  const embeddings = inputs.map((text, i) => Array.from({ length: dimensions }, (_, d) => Math.round(Math.sin(text.length + i + d + 1) * 1e6) / 1e6));
  const tokens = inputs.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0);
  return { model, embeddings, total_duration: LOAD_NS + tokens * NS_PER_PROMPT_TOKEN, load_duration: LOAD_NS, prompt_eval_count: tokens };
}

export async function startMockOllama(options: MockOllamaOptions = {}): Promise<MockOllama> {
  const fallback: OllamaBehaviour = options.default ?? { kind: "reply" };
  const requests: RecordedRequest[] = [];
  const core = createMockCore<OllamaBehaviour>("mock Ollama", fallback);
  const { later } = core;

  const sendJson = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  };

  const sendLines = (res: ServerResponse, lines: object[]): void => {
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    res.end(lines.map((line) => `${JSON.stringify(line)}\n`).join(""));
  };

  const respond = (res: ServerResponse, rec: RecordedRequest, behaviour: OllamaBehaviour): void => {
    const body = (rec.json ?? {}) as { model?: unknown; stream?: unknown; input?: unknown; dimensions?: unknown };
    const model = typeof body.model === "string" ? body.model : "";
    const embed = rec.path.startsWith("/api/embed");
    if (behaviour.kind === "hang") return;
    if (behaviour.kind === "error") return sendJson(res, behaviour.status, { error: behaviour.message ?? ERROR_MESSAGES[behaviour.status]?.(model) ?? `mock ollama error ${behaviour.status}` });
    if (model === "") return sendJson(res, 400, { error: "model is required" });
    if (behaviour.kind === "streamError") {
      const words = splitWords(DEFAULT_OLLAMA_TEXT).slice(0, behaviour.words ?? 2);
      const lines: object[] = words.map((content) => ({ model, created_at: new Date().toISOString(), message: { role: "assistant", content }, done: false }));
      return sendLines(res, [...lines, { error: behaviour.message ?? "an error was encountered while running the model: unexpected EOF" }]);
    }
    const reply = (): void => {
      if (res.destroyed) return;
      if (embed) return sendJson(res, 200, embedBody(model, body.input, typeof body.dimensions === "number" ? body.dimensions : DEFAULT_EMBEDDING_DIMENSIONS));
      const answer = answerOf(model, behaviour);
      if (body.stream === false) sendJson(res, 200, chatBody(answer));
      else sendLines(res, chatLines(answer));
    };
    if (behaviour.delayMs) later(behaviour.delayMs, reply);
    else reply();
  };

  const { url, port } = await core.listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const rec: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: lowerCaseHeaders(req), body: text, json: parseJson(text), aborted: false };
      requests.push(rec);
      res.on("close", () => {
        if (!res.writableEnded && !core.closing) rec.aborted = true;
      });
      const known = req.method === "POST" && (rec.path === "/api/chat" || rec.path === "/api/embed");
      if (!known) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("404 page not found");
      } else respond(res, rec, core.next());
      core.notify();
    });
  });

  return {
    url,
    port,
    requests,
    script: core.script,
    waitForRequests: (n, timeoutMs = DEFAULT_WAIT_MS) => core.waitUntil(() => requests.length >= n, timeoutMs, `${n} requests`, () => `${requests.length} received`),
    close: core.close,
  };
}
