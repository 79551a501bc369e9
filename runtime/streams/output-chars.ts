// Counts a stream's output characters (text, reasoning, tool names and arguments) by scanning its events'
// bytes, without parsing them: the input of the cost's output estimate (about four characters a token) when
// the upstream reports no usage, as an OpenAI stream without stream_options.include_usage does. The stream
// tap runs it over each chunk's whole events, so the estimate is ready when the response ends and nothing
// has to assemble the stream on the event loop (the assembly happens in the request log's thread).
//
// The count is the length in UTF-16 units (JavaScript's string length) of the decoded values of the keys
// below, which is what the assembled text's length would be: a `\uXXXX` or `\n` escape is one unit, a UTF-8
// sequence one unit (two for a 4-byte one, a surrogate pair). A key can only match as a key: inside a JSON
// string a quote is escaped, so `"content":"` cannot occur there.
import type { SummaryApi } from "./stream-tap.ts";

/**
 * The keys whose string values are output, each pattern ending just after the value's opening quote (a null
 * or non-string value does not match). OpenAI: delta content, reasoning (`reasoning_content` or `reasoning`)
 * and tool calls' name and argument fragments, in every choice (every choice's tokens are billed). Anthropic:
 * text, thinking and input_json deltas and tool_use names. Responses: the text, reasoning and argument deltas
 * (`delta`; the whole texts restated by the `.done` events and the tools' names listed in response.created
 * are left out, so a function call's name is not counted there).
 */
const PATTERNS: Record<SummaryApi, RegExp> = {
  openai: /"(?:content|reasoning_content|reasoning|name|arguments)"\s*:\s*"/g,
  anthropic: /"(?:text|thinking|partial_json|name)"\s*:\s*"/g,
  responses: /"delta"\s*:\s*"/g,
};

const QUOTE = 0x22, BACKSLASH = 0x5c, U = 0x75, R = 0x72;

/**
 * The output characters in `text[from, to)`, whole events only. With `bytes` the text is a chunk's bytes read
 * as latin1 (one char per byte): UTF-8 continuation bytes count nothing, a 4-byte sequence's lead byte two.
 * Without, it is already decoded (an event's data on the translated path): every char counts one.
 */
export function countOutputChars(api: SummaryApi, text: string, from: number, to: number, bytes: boolean): number {
  const pattern = PATTERNS[api];
  pattern.lastIndex = from;
  let chars = 0;
  /** Where the last reasoning value ended, for OpenAI servers that send both reasoning keys with the same text. */
  let reasoningEnd = -1;
  for (let match = pattern.exec(text); match !== null && match.index < to; match = pattern.exec(text)) {
    let i = pattern.lastIndex;
    let n = 0;
    while (i < to) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        n++;
        i += text.charCodeAt(i + 1) === U ? 6 : 2;
        continue;
      }
      if (!bytes || c < 0x80 || c >= 0xc0) n += bytes && c >= 0xf0 ? 2 : 1;
      i++;
    }
    pattern.lastIndex = i + 1;
    if (api === "openai" && text.charCodeAt(match.index + 1) === R) {
      // The second of `reasoning_content` and `reasoning` in one chunk (one line: JSON has no raw line
      // breaks) restates the first, as the assembled summary keeps only one of them.
      const sameEvent = reasoningEnd >= 0 && !hasLineBreak(text, reasoningEnd, match.index);
      reasoningEnd = i;
      if (sameEvent) continue;
    }
    chars += n;
  }
  return chars;
}

function hasLineBreak(text: string, from: number, to: number): boolean {
  const at = text.indexOf("\n", from);
  return at >= 0 && at < to;
}
