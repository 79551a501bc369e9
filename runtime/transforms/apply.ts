// Applies a target's compiled body transforms to whole bodies and to streams. Only routes with body rules get
// here: for them a body is parsed once, transformed, and serialised once; every other request keeps its byte
// splice (runtime/upstream/model-splice.ts) and its streams are relayed byte for byte.
import { createParser } from "eventsource-parser";
import type { BodyTransform } from "./types.ts";
import { spliceModel } from "../upstream/model-splice.ts";
import { createUtf8Chunks } from "../streams/utf8-chunks.ts";

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The upstream request body: the client's JSON with the target's model, the JSONPath rules applied, then the
 * raw-text replaces on the serialised text. Throws when a rule throws (the attempt then fails).
 */
export function transformRequestBody(raw: string, transform: BodyTransform, model: string | null, modelJson: string | null): string {
  let text: string;
  if (transform.json !== null) {
    const body = JSON.parse(raw) as Record<string, unknown>;
    if (model !== null) body.model = model;
    transform.json(body);
    text = JSON.stringify(body);
  } else {
    text = modelJson === null ? raw : (spliceModel(raw, modelJson) ?? raw);
  }
  return transform.text === null ? text : transform.text(text);
}

/** A JSON text (a whole response body or one SSE event's data) after the rules; text that is not a JSON object only gets the raw-text replaces. */
export function transformJsonText(text: string, transform: BodyTransform): string {
  let out = text;
  if (transform.json !== null) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (isJsonObject(body)) {
      transform.json(body);
      out = JSON.stringify(body);
    }
  }
  return transform.text === null ? out : transform.text(out);
}

/** Same, for an already parsed body (a translated response, before it is serialised). */
export function transformJsonValue(body: unknown, transform: BodyTransform): string {
  if (transform.json !== null && isJsonObject(body)) transform.json(body);
  const text = JSON.stringify(body);
  return transform.text === null ? text : transform.text(text);
}

/**
 * Rewrites an SSE stream event by event: each `data:` payload goes through the rules (non-JSON data only
 * through the raw-text replaces, `[DONE]` untouched), and the event is written out again
 * with its name and id. Partial events and UTF-8 sequences carry over chunk boundaries.
 */
export function createSseTransform(transform: BodyTransform, write: (text: string) => void): { push(chunk: Uint8Array | string): void; end(): void } {
  const decoder = createUtf8Chunks();
  const parser = createParser({
    onEvent(message) {
      const data = message.data === "[DONE]" ? message.data : transformJsonText(message.data, transform);
      let out = message.event ? `event: ${message.event}\n` : "";
      if (message.id) out += `id: ${message.id}\n`;
      for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
      write(out + "\n");
    },
  });
  return {
    push: (chunk) => parser.feed(typeof chunk === "string" ? chunk : decoder.decode(chunk)),
    end: () => parser.feed(decoder.end() + "\n\n"),
  };
}
