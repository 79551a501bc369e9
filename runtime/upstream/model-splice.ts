// Renames the model in a raw JSON request body without re-serialising it: find the top-level "model"
// value's byte span and splice the new JSON string in. Everything else (key order, number formatting,
// unicode escapes, whitespace) reaches the provider exactly as the client wrote it.
//
// The scan only looks at structural characters; inside strings it jumps from quote to quote with the
// native indexOf, so a 200 KB prompt costs a handful of jumps, not 200 K iterations.

/** Index just past the string token starting at `open` (which is a `"`), or -1 if unterminated. */
function skipString(raw: string, open: number): number {
  let i = open + 1;
  for (;;) {
    const quote = raw.indexOf('"', i);
    if (quote === -1) return -1;
    let backslashes = 0;
    for (let j = quote - 1; raw.charCodeAt(j) === 92 /* \ */; j--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}

/**
 * [start, end) of the top-level `key`'s value when it is a JSON string, else null. With duplicate keys
 * the last one wins, as in JSON.parse, so the model we routed on is the model we rename.
 */
export function findTopLevelStringValue(raw: string, key: string): [number, number] | null {
  const wanted = JSON.stringify(key);
  let found: [number, number] | null = null;
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = skipString(raw, i);
      if (end === -1) return null;
      if (depth === 1 && expectKey && raw.slice(i, end) === wanted) {
        let v = end;
        while (v < raw.length && raw.charCodeAt(v) !== 58 /* : */) v++;
        v++;
        while (v < raw.length && (raw.charCodeAt(v) === 32 || raw.charCodeAt(v) === 10 || raw.charCodeAt(v) === 13 || raw.charCodeAt(v) === 9)) v++;
        if (raw.charCodeAt(v) !== 34) {
          found = null;
          i = v - 1;
          expectKey = false;
          continue;
        }
        const valueEnd = skipString(raw, v);
        if (valueEnd === -1) return null;
        found = [v, valueEnd];
        expectKey = false;
        i = valueEnd - 1;
        continue;
      }
      expectKey = false;
      i = end - 1;
    } else if (c === 123 /* { */) {
      depth++;
      expectKey = depth === 1;
    } else if (c === 91 /* [ */) {
      depth++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
    } else if (c === 44 /* , */) {
      expectKey = depth === 1;
    }
  }
  return found;
}

/** The body with its top-level "model" replaced by `modelJson` (already JSON-encoded), or null if absent. */
export function spliceModel(raw: string, modelJson: string): string | null {
  const span = findTopLevelStringValue(raw, "model");
  if (span === null) return null;
  return raw.slice(0, span[0]) + modelJson + raw.slice(span[1]);
}
