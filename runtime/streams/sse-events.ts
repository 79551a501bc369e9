// Splits a byte stream of server-sent events into (event name, data) pairs with eventsource-parser, carrying
// partial events and partial UTF-8 sequences over chunk boundaries. The NDJSON counterpart is ndjson-lines.ts.
import { createParser } from "eventsource-parser";
import { createUtf8Chunks } from "./utf8-chunks.ts";

export function createSseReader(onEvent: (event: string | undefined, data: string) => void): { push(chunk: Uint8Array): void; end(): void } {
  const decoder = createUtf8Chunks();
  const parser = createParser({ onEvent: (message) => onEvent(message.event, message.data) });
  return {
    push: (chunk) => parser.feed(decoder.decode(chunk)),
    // A last event without its blank line still counts.
    end: () => parser.feed(decoder.end() + "\n\n"),
  };
}
