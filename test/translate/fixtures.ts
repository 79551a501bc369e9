// Runs one translation fixture: test/translate/fixtures/<translator>/<rule>/ holds the inputs a real
// exchange would see and the goldens the translator produced from them.
//
//   client-request.json     in    what the client sent
//   options.json            in    optional: { "upstreamModel", "defaultMaxTokens", "unsupported", "keepCacheControl" }
//   upstream-request.json   gold  what goes upstream (or problem.json when the translator rejects it)
//   upstream-response.json  in    optional: a whole upstream body
//   client-response.json    gold  what the client receives for it
//   upstream-stream.sse     in    optional: a recorded upstream stream transcript (SSE)
//   upstream-stream.ndjson  in    or, for NDJSON upstreams (Ollama), one event per line
//   client-stream.sse       gold  the stream the client receives
//   translation.json        gold  what the request translation recorded (dropped fields, tool renames)
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createParser } from "eventsource-parser";
import type { AnyTranslator, TranslationContext, TranslationOptions } from "../../runtime/translate/translator.ts";
import { DEFAULT_OPTIONS } from "./helpers.ts";

export interface FixtureOutput {
  /** Golden file name → content. */
  files: Map<string, string>;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Feeds an NDJSON transcript line by line, as the runtime's line splitter does, then ends the stream. */
export function translateLines(translator: ReturnType<AnyTranslator["stream"]>, transcript: string): string {
  let out = "";
  for (const line of transcript.split("\n")) if (line.trim() !== "") out += translator.event(undefined, line);
  return out + translator.end();
}

/** Feeds a recorded SSE transcript through a stream translator event by event, as the runtime does. */
export function translateStream(translator: ReturnType<AnyTranslator["stream"]>, transcript: string): string {
  let out = "";
  const parser = createParser({ onEvent: (e) => (out += translator.event(e.event, e.data)) });
  parser.feed(transcript);
  return out + translator.end();
}

export function runFixture(translator: AnyTranslator, dir: string): FixtureOutput {
  const read = (name: string) => readFileSync(path.join(dir, name), "utf8");
  const files = new Map<string, string>();
  const request = JSON.parse(read("client-request.json")) as { model?: string };
  const options = existsSync(path.join(dir, "options.json")) ? (JSON.parse(read("options.json")) as Record<string, unknown>) : {};
  const clientModel = typeof request.model === "string" ? request.model : "unknown";
  const context: TranslationContext = {
    clientModel,
    upstreamModel: typeof options.upstreamModel === "string" ? options.upstreamModel : clientModel,
    requestId: "req_fixture",
    now: 1_700_000_000,
    options: { ...DEFAULT_OPTIONS, ...(options as Partial<TranslationOptions>) },
  };
  const translated = translator.request(request, context);
  if (!translated.ok) {
    files.set("problem.json", json(translated.problem));
    return { files };
  }
  files.set("upstream-request.json", json(translated.body));
  files.set("translation.json", json({ dropped: translated.state.dropped, toolNames: Object.fromEntries(translated.state.toolNames), includeUsage: translated.state.includeUsage }));
  if (existsSync(path.join(dir, "upstream-response.json"))) {
    files.set("client-response.json", json(translator.response(JSON.parse(read("upstream-response.json")), translated.state)));
  }
  if (existsSync(path.join(dir, "upstream-stream.sse"))) {
    files.set("client-stream.sse", translateStream(translator.stream(translated.state), read("upstream-stream.sse")));
  } else if (existsSync(path.join(dir, "upstream-stream.ndjson"))) {
    files.set("client-stream.sse", translateLines(translator.stream(translated.state), read("upstream-stream.ndjson")));
  }
  return { files };
}
