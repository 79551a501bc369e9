// A tiny code builder for emitted TypeScript, after ajv's `_` template.
//
// Every interpolated value that is not already `Code` is JSON-encoded, so a model name containing `"`,
// a backslash or `${` becomes a string literal and can never break out into code. Identifiers must be
// built with `name()`, which only accepts valid identifiers. Multi-line interpolations are re-indented to
// the column they are interpolated at, so templates look like their output.

export class Code {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** An identifier. Throws on anything that is not one, so config text can't become code through a name. */
export function name(identifier: string): Code {
  if (!IDENT.test(identifier)) throw new Error(`not an identifier: ${JSON.stringify(identifier)}`);
  return new Code(identifier);
}

/** Text already known to be code (a generator constant, never config input). */
export function code(text: string): Code {
  return new Code(text);
}

/** A JSON literal for any value. */
export function literal(value: unknown): Code {
  return new Code(JSON.stringify(value));
}

export function join(parts: readonly Code[], separator: string): Code {
  return new Code(parts.map((part) => part.text).join(separator));
}

function interpolate(value: unknown): string {
  if (value instanceof Code) return value.text;
  if (Array.isArray(value) && value.every((v) => v instanceof Code)) return value.map((v) => v.text).join("\n");
  if (value === undefined) throw new Error("undefined interpolated into generated code");
  return JSON.stringify(value);
}

/** `ts\`const x = ${value};\`` — see the file comment for the escaping and indentation rules. */
export function ts(strings: TemplateStringsArray, ...values: unknown[]): Code {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const text = interpolate(values[i]);
    const lineStart = out.lastIndexOf("\n") + 1;
    const indent = /^[ \t]*/.exec(out.slice(lineStart))![0];
    out += indent ? text.replace(/\n(?!\n|$)/g, `\n${indent}`) : text;
    out += strings[i + 1]!;
  }
  return new Code(out);
}

/**
 * Words that cannot name a binding in a strict-mode module (reserved and strict-reserved words, literals), and
 * globals the generated code itself reads (`process.env`, `undefined`), which a local must never shadow.
 */
const RESERVED = new Set(
  (
    "await break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if implements import in instanceof interface let new null package private protected public return static " +
    "super switch this throw true try typeof var void while with yield arguments eval undefined NaN Infinity globalThis " +
    "process console require module exports"
  ).split(" "),
);

/** camelCase of an id: "claude-star" → "claudeStar", "gpt-4o" → "gpt4o". May be a reserved word or start with a digit. */
export function camel(id: string): string {
  const tail = pascal(id);
  return tail[0]!.toLowerCase() + tail.slice(1);
}

function pascal(id: string): string {
  const words = id.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}

/** A usable binding name: `_` before one that starts with a digit or is a reserved word ("4o" → "_4o", "class" → "_class"). */
export function bare(text: string): string {
  return /^[0-9]/.test(text) || RESERVED.has(text) ? `_${text}` : text;
}

/** camelCase identifier from a route or provider id: ("route", "claude-star") → "routeClaudeStar"; ("", "4o") → "_4o". */
export function identifier(prefix: string, id: string): string {
  return prefix ? prefix + pascal(id) : bare(camel(id));
}

/** ("route", "gpt4o") → "routeGpt4o"; ("when", "_4o") → "when4o": behind a prefix the `_` of `bare` is not needed. */
export function prefixed(prefix: string, ident: string): string {
  const stem = ident.replace(/^_/, "");
  return prefix + stem[0]!.toUpperCase() + stem.slice(1);
}

/**
 * Hands out distinct binding names within one scope (ajv's `Scope.name`): a name already taken, or one of
 * `taken` (imports, parameters), gets the smallest free numeric suffix, so the result depends only on the
 * order of the calls, never on a counter shared across files.
 */
export class Scope {
  private readonly used: Set<string>;
  constructor(taken: Iterable<string> = []) {
    this.used = new Set(taken);
  }
  unique(text: string): string {
    const base = bare(text);
    let candidate = base;
    for (let n = 2; this.used.has(candidate); n++) candidate = `${base}${n}`;
    this.used.add(candidate);
    return candidate;
  }
}

/** A `//` comment line. Line breaks in config text are escaped so a model name cannot end the comment. */
export function comment(text: string): Code {
  return new Code(`// ${text.replace(/[\r\n\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1))}`);
}
