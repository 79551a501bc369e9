// Removes terminal escape sequences from a CLI's output: colours and cursor moves (CSI `ESC [ … final`),
// titles and hyperlinks (OSC `ESC ] … BEL|ST`, and the other string sequences DCS/SOS/PM/APC), and short
// escapes (`ESC 7`, `ESC ( B`). Output arrives in chunks, so a sequence cut at a chunk's end is carried
// over and finished on the next push. Only 7-bit (ESC-introduced) sequences are recognised: in UTF-8 text
// the C1 code points U+0080–U+009F are not controls to terminals either.
// @see https://invisible-island.net/xterm/ctlseqs/ctlseqs.html
// @see https://ecma-international.org/publications-and-standards/standards/ecma-48/

const ESC = "\x1b";
const BEL = "\x07";
/**
 * A sequence still open after this many characters is not one (a stray ESC, an OSC never terminated): its
 * ESC is dropped and the rest is text again, so a broken sequence cannot swallow or hold back the output.
 */
const MAX_SEQUENCE = 4096;
/** Incomplete: wait for more text. */
const MORE = -1;

export interface AnsiStripper {
  /** The plain text of `chunk`, minus a trailing incomplete sequence kept for the next push. */
  push(chunk: string): string;
  /** End of output: an unfinished sequence is dropped (it is control junk, not text). */
  end(): string;
}

export function createAnsiStripper(): AnsiStripper {
  let carry = "";
  return {
    push(chunk) {
      const text = carry === "" ? chunk : carry + chunk;
      carry = "";
      let out = "";
      let from = 0;
      for (;;) {
        const at = text.indexOf(ESC, from);
        if (at < 0) return out + text.slice(from);
        out += text.slice(from, at);
        const next = sequenceEnd(text, at);
        if (next !== MORE) from = next;
        else if (text.length - at > MAX_SEQUENCE) from = at + 1;
        else {
          carry = text.slice(at);
          return out;
        }
      }
    },
    end() {
      carry = "";
      return "";
    },
  };
}

/** Strips a whole text at once. */
export function stripAnsi(text: string): string {
  return createAnsiStripper().push(text);
}

/** Index just past the sequence whose ESC is at `at`, or MORE if the text ends inside it. */
function sequenceEnd(text: string, at: number): number {
  if (at + 1 >= text.length) return MORE;
  const kind = text[at + 1]!;
  const code = kind.charCodeAt(0);
  if (kind === "[") return csiEnd(text, at + 2);
  if (kind === "]" || kind === "P" || kind === "X" || kind === "^" || kind === "_") return stringEnd(text, at + 2);
  if (code >= 0x20 && code <= 0x2f) {
    // nF escapes (charset selection `ESC ( B`): intermediates, then one final byte.
    let i = at + 1;
    while (i < text.length && isIntermediate(text.charCodeAt(i))) i++;
    if (i >= text.length) return MORE;
    const final = text.charCodeAt(i);
    return final >= 0x30 && final <= 0x7e ? i + 1 : i;
  }
  // Single-character escapes (`ESC 7`, `ESC M`, `ESC c`); an ESC before anything else is dropped alone.
  return code >= 0x30 && code <= 0x7e ? at + 2 : at + 1;
}

/** CSI: parameter bytes 0x30–0x3F, intermediates 0x20–0x2F, one final byte 0x40–0x7E. */
function csiEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x40 && code <= 0x7e) return i + 1;
    // Anything else (a newline, a letter outside the range) ends a malformed sequence before that character.
    if (code < 0x20 || code > 0x3f) return i;
  }
  return MORE;
}

/** OSC, DCS, SOS, PM, APC: any text up to BEL or ST (`ESC \`). */
function stringEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === BEL) return i + 1;
    if (c === ESC) {
      if (i + 1 >= text.length) return MORE;
      // ESC \ is ST; any other ESC ends the string and starts a sequence of its own.
      return text[i + 1] === "\\" ? i + 2 : i;
    }
  }
  return MORE;
}

function isIntermediate(code: number): boolean {
  return code >= 0x20 && code <= 0x2f;
}
