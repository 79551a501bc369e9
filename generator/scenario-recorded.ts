// Compiles the `recorded:` key that a recording (runtime/scenario/record/) writes beside each `llmResponse`:
// the exact response the client received, so that playback to the same client is byte-identical. It is our
// extension of the Scenario-Format; other runners ignore it, and a human who edits the readable events above
// it deletes it so that the edit takes effect.
//
//   - llmResponse:
//       - assistant: [[120, "Hello"]]
//     recorded:
//       api: openai                  # the client API it was recorded in: openai | anthropic
//       stream: true                 # whether the client asked for a stream
//       contentType: text/event-stream
//       frames:                      # [ms after the previous frame (the first: after the request), text]
//         - [95, "data: {...}\n\n"]
//         - [25, "data: [DONE]\n\n"]
//
// A whole (non-stream) body is one frame. The frames joined are the body, byte for byte.
import type { Node as YamlNode, Pair, YAMLMap } from "yaml";
import { isMap, isScalar, isSeq } from "yaml";
import type { RecordedResponse, ScenarioResponse, TimedText } from "../runtime/scenario/types.ts";
import { withSuggestion } from "./did-you-mean.ts";

/** The timeline item's key that holds the recorded bytes. */
export const RECORDED_KEY = "recorded";
const RECORDED_FIELDS = ["api", "stream", "contentType", "frames"] as const;
const APIS = ["openai", "anthropic"] as const;

/** What this file needs of generator/scenario.ts's reader (structurally, so the reader stays private there). */
export interface RecordedReader {
  error(node: YamlNode | null | undefined, pointer: string, message: string, hint?: string): void;
  report(severity: "error" | "warning", node: YamlNode | null | undefined, pointer: string, message: string, hint?: string): void;
  deref(node: unknown): YamlNode | null;
  valueOrKey(pair: Pair): YamlNode | null;
  keyOf(pair: Pair, pointer: string): string;
}

/**
 * The timeline item's `llmResponse` with its `recorded:` sibling attached, when it has one. `pointer` is the
 * item's; a null response (already reported) stays null.
 */
export function withRecorded(reader: RecordedReader, item: YAMLMap, response: ScenarioResponse | null, pointer: string): ScenarioResponse | null {
  const pair = item.items.find((p) => isScalar(p.key) && p.key.value === RECORDED_KEY);
  if (pair === undefined) return response;
  const recorded = readRecorded(reader, pair, `${pointer}/${RECORDED_KEY}`);
  return response === null || recorded === null ? response : { ...response, recorded };
}

function readRecorded(reader: RecordedReader, pair: Pair, pointer: string): RecordedResponse | null {
  const value = reader.deref(pair.value);
  if (!isMap(value)) {
    reader.error(reader.valueOrKey(pair), pointer, "`recorded` must be a mapping with api, stream, contentType and frames");
    return null;
  }
  let api: RecordedResponse["api"] | null = null;
  let stream: boolean | null = null;
  let contentType: string | null = null;
  let frames: TimedText[] | null = null;
  let ok = true;
  for (const item of value.items) {
    const key = reader.keyOf(item, pointer);
    const at = `${pointer}/${key}`;
    const v = reader.deref(item.value);
    const scalar = isScalar(v) ? v.value : undefined;
    switch (key) {
      case "api":
        if (typeof scalar === "string" && (APIS as readonly string[]).includes(scalar)) api = scalar as RecordedResponse["api"];
        else {
          reader.error(reader.valueOrKey(item), at, typeof scalar === "string" ? withSuggestion('`api` must be "openai" or "anthropic"', scalar, APIS) : '`api` must be "openai" or "anthropic"');
          ok = false;
        }
        break;
      case "stream":
        if (typeof scalar === "boolean") stream = scalar;
        else {
          reader.error(reader.valueOrKey(item), at, "`stream` must be true or false");
          ok = false;
        }
        break;
      case "contentType":
        if (typeof scalar === "string" && scalar !== "") contentType = scalar;
        else {
          reader.error(reader.valueOrKey(item), at, "`contentType` must be a non-empty string, e.g. application/json");
          ok = false;
        }
        break;
      case "frames":
        frames = readFrames(reader, item, at);
        if (frames === null) ok = false;
        break;
      default:
        if (key !== "") reader.report("warning", item.key as YamlNode, at, withSuggestion(`unknown recorded key "${key}" (ignored)`, key, RECORDED_FIELDS));
    }
  }
  for (const field of RECORDED_FIELDS) {
    const missing = { api, stream, contentType, frames }[field] === null;
    if (missing && ok && !value.items.some((item) => isScalar(item.key) && item.key.value === field)) {
      reader.error(value, pointer, `\`recorded\` needs \`${field}\``);
      ok = false;
    }
  }
  if (!ok || api === null || stream === null || contentType === null || frames === null) return null;
  return { api, stream, contentType, body: frames.map(([, text]) => text).join(""), frames };
}

function readFrames(reader: RecordedReader, pair: Pair, pointer: string): TimedText[] | null {
  const list = reader.deref(pair.value);
  const shape = '`frames` must be a non-empty list of [ms, text] pairs, e.g. `- [40, "data: {}\\n\\n"]`';
  if (!isSeq(list) || list.items.length === 0) {
    reader.error(reader.valueOrKey(pair), pointer, shape);
    return null;
  }
  const frames: TimedText[] = [];
  list.items.forEach((raw, index) => {
    const item = reader.deref(raw);
    const at = `${pointer}/${index}`;
    if (!isSeq(item) || item.items.length !== 2) return reader.error(item, at, shape);
    const ms = reader.deref(item.items[0]);
    const text = reader.deref(item.items[1]);
    if (!isScalar(ms) || typeof ms.value !== "number" || !Number.isFinite(ms.value) || ms.value < 0) return reader.error(ms, `${at}/0`, "milliseconds must be a non-negative number");
    if (!isScalar(text) || typeof text.value !== "string") return reader.error(text, `${at}/1`, "the text must be a string");
    frames.push([ms.value, text.value]);
  });
  return frames.length === list.items.length ? frames : null;
}
