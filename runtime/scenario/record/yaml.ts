// Writes a recording's YAML by hand, item by item, so a file can be appended to as the conversation goes on
// (a YAML library would rewrite it whole each turn). Every string is a double-quoted scalar made from its JSON
// encoding, which is valid YAML 1.2 and reads back exactly; the few characters YAML does not allow raw in a
// quoted scalar (DEL, C1 controls, U+2028/9, BOM, noncharacters) are escaped as well.
import type { TimedText } from "../types.ts";
import type { ToolCallSummary } from "../../streams/stream-tap.ts";

const NOT_YAML_PRINTABLE = /[\u007f-\u0084\u0086-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

/** A string as a double-quoted YAML scalar. */
export function quote(text: string): string {
  return JSON.stringify(text).replace(NOT_YAML_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A JSON value as YAML flow (JSON is YAML), its strings escaped as `quote` does. */
function flow(value: unknown): string {
  return JSON.stringify(value).replace(NOT_YAML_PRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A comment line's text: one line, at most `max` characters. */
function commentText(text: string, max = 160): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Milliseconds as written: a tenth of a millisecond is finer than any timer plays them. */
const ms = (value: number) => Math.round(value * 10) / 10;

export interface FileHeader {
  readonly name: string;
  readonly route: string;
  readonly api: "openai" | "anthropic";
  readonly startedAt: string;
}

/** The top of a recording, up to `timeline:`; items follow. */
export function fileHeader(header: FileHeader): string {
  return [
    `# Recorded by Switchyard on route ${header.route}, ${header.startedAt}. Play it with a scenario provider`,
    "# (kind: scenario, file: this file). Each llmResponse is readable and may be edited; its `recorded:` key",
    "# holds the exact bytes the client received, played when the client's API and stream flag match: delete",
    "# it for an edit above it to take effect.",
    `name: ${quote(header.name)}`,
    "tags: [recorded]",
    "server:",
    `  llmApiStyle: ${header.api}`,
    "timeline:",
    "",
  ].join("\n");
}

/** The readable side of one response. */
export interface ReadableResponse {
  readonly reasoning: string;
  readonly text: string;
  readonly toolCalls: readonly ToolCallSummary[];
  /** Time to the first byte, and from it to the end. */
  readonly firstMs: number;
  readonly restMs: number;
}

export interface RecordedBytes {
  readonly api: "openai" | "anthropic";
  readonly stream: boolean;
  readonly contentType: string;
  readonly frames: readonly TimedText[];
}

/** A tool call's arguments as `args`: the JSON object it sent, or the raw text under `_raw` if it is not one. */
function argsOf(call: ToolCallSummary): unknown {
  if (call.arguments === "") return {};
  try {
    const parsed: unknown = JSON.parse(call.arguments);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed;
  } catch {
    // fall through
  }
  return { _raw: call.arguments };
}

/** One timeline item: a comment saying what it answers, the `llmResponse`, and `recorded:` when kept. */
export function responseItem(turn: number, userText: string, response: ReadableResponse, recorded: RecordedBytes | null, note?: string): string {
  const lines = [`  # turn ${turn + 1}${userText === "" ? "" : ` · ${commentText(userText)}`}`];
  if (note !== undefined) lines.push(`  # ${note}`);
  lines.push("  - llmResponse:");
  let first = true;
  // The first part carries the wait for the first byte, the text the time it took to arrive.
  const timeOf = (isText: boolean) => {
    const value = (first ? response.firstMs : 0) + (isText ? response.restMs : 0);
    first = false;
    return ms(value);
  };
  if (response.reasoning !== "") lines.push(`      - think: [[${timeOf(false)}, ${quote(response.reasoning)}]]`);
  if (response.text !== "" || response.toolCalls.length === 0) lines.push(`      - assistant: [[${timeOf(true)}, ${quote(response.text)}]]`);
  for (const call of response.toolCalls) {
    lines.push("      - agentToolUse:", `          toolName: ${quote(call.name)}`, `          args: ${flow(argsOf(call))}`);
  }
  if (recorded !== null) {
    lines.push("    recorded:", `      api: ${recorded.api}`, `      stream: ${recorded.stream}`, `      contentType: ${quote(recorded.contentType)}`, "      frames:");
    for (const [wait, text] of recorded.frames) lines.push(`        - [${ms(wait)}, ${quote(text)}]`);
  }
  return lines.join("\n") + "\n";
}
