// A loopback stand-in for Gemini, on both of its URL shapes, so tests never reach Google:
//
//   Gemini API (AI Studio)  POST /v1beta/models/{model}:{method}
//   Vertex AI               POST /v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}
//
// where method is generateContent, streamGenerateContent (SSE with ?alt=sse, else one JSON array, as the real
// API does) or batchEmbedContents. It answers every request with the next scripted behaviour, or its default,
// and records what it received (path, headers, body, and which API, model and method the path named).
// Bodies follow the real API: candidates with role "model" parts, finishReason, cumulative usageMetadata on
// every stream event, the finishReason on the last event together with the last text, `\r\n\r\n` between
// events, no terminator; errors as {error:{code,message,status}}.
// @see https://ai.google.dev/api/generate-content
// @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
import type { ServerResponse } from "node:http";
import { createMockCore, DEFAULT_WAIT_MS, lowerCaseHeaders, parseJson } from "./mock-server.ts";

export interface GeminiMockUsage {
  prompt?: number;
  candidates?: number;
  thoughts?: number;
  cached?: number;
}

export const GEMINI_DEFAULT_USAGE: Readonly<Required<GeminiMockUsage>> = Object.freeze({ prompt: 12, candidates: 8, thoughts: 0, cached: 0 });
export const GEMINI_DEFAULT_TEXT = "Hello from the mock Gemini.";

export interface GeminiMockFunctionCall {
  name: string;
  args: Record<string, unknown>;
  /** Sent as functionCall.id (some models do, most do not). */
  id?: string;
  /** Sent as the part's thoughtSignature, as Gemini 3 signs the function calls of a thinking turn. */
  thoughtSignature?: string;
}

/** A normal answer. Text defaults to GEMINI_DEFAULT_TEXT unless there are function calls. */
export interface GeminiReplyBehaviour {
  kind: "reply";
  text?: string;
  functionCalls?: GeminiMockFunctionCall[];
  /** A thought summary, sent first as a part with thought: true (thoughts usage defaults to 5 then). */
  thought?: string;
  finishReason?: string;
  usage?: GeminiMockUsage;
  status?: number;
  delayMs?: number;
}
/** An error in Gemini's body format (default body per status), always JSON. */
export interface GeminiErrorBehaviour {
  kind: "error";
  status: number;
  body?: object;
  headers?: Record<string, string>;
}
/** Exactly these bytes. */
export interface GeminiRawBehaviour {
  kind: "raw";
  status: number;
  headers: Record<string, string>;
  body: string;
}
/** Read the request, never answer; close() drops the connection. */
export interface GeminiHangBehaviour {
  kind: "hang";
}
export type GeminiBehaviour = GeminiReplyBehaviour | GeminiErrorBehaviour | GeminiRawBehaviour | GeminiHangBehaviour;

export type GeminiMethod = "generateContent" | "streamGenerateContent" | "batchEmbedContents";

export interface GeminiRoute {
  api: "gemini" | "vertex";
  model: string;
  method: GeminiMethod;
  /** Vertex only. */
  project?: string;
  location?: string;
  /** The alt query parameter: "sse" for SSE streams. */
  alt?: string;
}

export interface GeminiRecordedRequest {
  readonly method: string;
  /** Path and query string, as sent. */
  readonly path: string;
  /** What the path names; undefined for a path neither API has. */
  readonly route: GeminiRoute | undefined;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  // `any` so tests can read request fields without casts.
  readonly json: any;
}

export interface MockGemini {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly GeminiRecordedRequest[];
  /** Queue behaviours for the next requests, first in first out; the default applies once the queue is empty. */
  script(...behaviours: GeminiBehaviour[]): void;
  waitForRequests(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const METHODS = "generateContent|streamGenerateContent|batchEmbedContents";
const GEMINI_PATH = new RegExp(`^/v1beta/models/([^/:?]+):(${METHODS})(?:\\?(.*))?$`);
const VERTEX_PATH = new RegExp(`^/v1/projects/([^/]+)/locations/([^/]+)/publishers/google/models/([^/:?]+):(${METHODS})(?:\\?(.*))?$`);
const EMBEDDING_DIMENSIONS = 8;

export function parseGeminiPath(path: string): GeminiRoute | undefined {
  const alt = (query: string | undefined) => new URLSearchParams(query ?? "").get("alt") ?? undefined;
  const gemini = GEMINI_PATH.exec(path);
  if (gemini) return { api: "gemini", model: decodeURIComponent(gemini[1]!), method: gemini[2] as GeminiMethod, alt: alt(gemini[3]) };
  const vertex = VERTEX_PATH.exec(path);
  if (vertex) {
    return {
      api: "vertex",
      project: decodeURIComponent(vertex[1]!),
      location: decodeURIComponent(vertex[2]!),
      model: decodeURIComponent(vertex[3]!),
      method: vertex[4] as GeminiMethod,
      alt: alt(vertex[5]),
    };
  }
  return undefined;
}

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

export function geminiErrorBody(status: number, message?: string): object {
  const name = STATUS_NAMES[status] ?? "UNKNOWN";
  return { error: { code: status, message: message ?? `${name} (mock Gemini)`, status: name } };
}

// ---------------------------------------------------------------------------------------------------------
// Bodies.

interface Answer {
  seq: number;
  model: string;
  behaviour: GeminiReplyBehaviour;
}

function usageMetadata(behaviour: GeminiReplyBehaviour, final: boolean): object {
  const u = { ...GEMINI_DEFAULT_USAGE, ...(behaviour.thought ? { thoughts: 5 } : {}), ...behaviour.usage };
  // Before the last event Gemini reports the prompt only; the last carries every count.
  if (!final) return { promptTokenCount: u.prompt, totalTokenCount: u.prompt, ...(u.cached ? { cachedContentTokenCount: u.cached } : {}) };
  return {
    promptTokenCount: u.prompt,
    candidatesTokenCount: u.candidates,
    totalTokenCount: u.prompt + u.candidates + u.thoughts,
    ...(u.cached ? { cachedContentTokenCount: u.cached } : {}),
    ...(u.thoughts ? { thoughtsTokenCount: u.thoughts } : {}),
    promptTokensDetails: [{ modality: "TEXT", tokenCount: u.prompt }],
  };
}

function answerText(behaviour: GeminiReplyBehaviour): string | undefined {
  return behaviour.text ?? (behaviour.functionCalls?.length ? undefined : GEMINI_DEFAULT_TEXT);
}

function callPart(call: GeminiMockFunctionCall): object {
  return {
    functionCall: { ...(call.id ? { id: call.id } : {}), name: call.name, args: call.args },
    ...(call.thoughtSignature ? { thoughtSignature: call.thoughtSignature } : {}),
  };
}

function envelope(answer: Answer, parts: object[], final: boolean): object {
  return {
    candidates: [
      {
        content: { role: "model", parts },
        ...(final ? { finishReason: answer.behaviour.finishReason ?? "STOP" } : {}),
        index: 0,
      },
    ],
    usageMetadata: usageMetadata(answer.behaviour, final),
    modelVersion: answer.model,
    responseId: `mock-gemini-${answer.seq}`,
  };
}

function wholeResponse(answer: Answer): object {
  const { behaviour } = answer;
  const text = answerText(behaviour);
  const parts: object[] = [];
  if (behaviour.thought) parts.push({ text: behaviour.thought, thought: true });
  if (text !== undefined) parts.push({ text });
  for (const call of behaviour.functionCalls ?? []) parts.push(callPart(call));
  return envelope(answer, parts, true);
}

/** Thought, then the text a word or two per event, then each function call whole; the last event finishes. */
function streamEvents(answer: Answer): object[] {
  const { behaviour } = answer;
  const groups: object[][] = [];
  if (behaviour.thought) groups.push([{ text: behaviour.thought, thought: true }]);
  for (const piece of (answerText(behaviour) ?? "").split(/(?<=\s)(?=\S)/).filter(Boolean)) groups.push([{ text: piece }]);
  for (const call of behaviour.functionCalls ?? []) groups.push([callPart(call)]);
  if (groups.length === 0) groups.push([{ text: "" }]);
  return groups.map((parts, i) => envelope(answer, parts, i === groups.length - 1));
}

function embeddings(json: any): object {
  const requests: any[] = Array.isArray(json?.requests) ? json.requests : [];
  return {
    embeddings: requests.map((request, r) => {
      const dimensions = typeof request?.outputDimensionality === "number" ? request.outputDimensionality : EMBEDDING_DIMENSIONS;
      return { values: Array.from({ length: dimensions }, (_, i) => Math.round(Math.sin(r + i + 1) * 1000) / 1000) };
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Serving.

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
  res.end(JSON.stringify(body));
}

export async function startMockGemini(options: { default?: GeminiBehaviour } = {}): Promise<MockGemini> {
  const fallback: GeminiBehaviour = options.default ?? { kind: "reply" };
  const requests: GeminiRecordedRequest[] = [];
  const core = createMockCore<GeminiBehaviour>("mock Gemini", fallback);
  let seq = 0;

  const reply = (res: ServerResponse, rec: GeminiRecordedRequest, route: GeminiRoute, behaviour: GeminiReplyBehaviour, id: number): void => {
    const status = behaviour.status ?? 200;
    if (route.method === "batchEmbedContents") return sendJson(res, status, embeddings(rec.json));
    const answer: Answer = { seq: id, model: route.model, behaviour };
    if (route.method === "generateContent") return sendJson(res, status, wholeResponse(answer));
    const events = streamEvents(answer);
    if (route.alt !== "sse") return sendJson(res, status, events);
    res.writeHead(status, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.end(events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join(""));
  };

  const respond = (res: ServerResponse, rec: GeminiRecordedRequest, behaviour: GeminiBehaviour, id: number): void => {
    const route = rec.route;
    if (!route) return sendJson(res, 404, geminiErrorBody(404, `no Gemini method at ${rec.path} (mock Gemini)`));
    switch (behaviour.kind) {
      case "reply": {
        if (!behaviour.delayMs) return reply(res, rec, route, behaviour, id);
        return core.later(behaviour.delayMs, () => !res.destroyed && reply(res, rec, route, behaviour, id));
      }
      case "error":
        return sendJson(res, behaviour.status, behaviour.body ?? geminiErrorBody(behaviour.status), behaviour.headers);
      case "raw":
        res.writeHead(behaviour.status, behaviour.headers);
        res.end(behaviour.body);
        return;
      case "hang":
        return;
    }
  };

  const { url, port } = await core.listen((req, res) => {
    const id = ++seq;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "";
      const rec: GeminiRecordedRequest = { method: req.method ?? "", path, route: parseGeminiPath(path), headers: lowerCaseHeaders(req), body, json: parseJson(body) };
      requests.push(rec);
      respond(res, rec, core.next(), id);
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
