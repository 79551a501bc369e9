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

/** camelCase identifier from a route or provider id: "claude-star" → "claudeStar", "4o" → "_4o". */
export function identifier(prefix: string, id: string): string {
  const words = id.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const tail = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return prefix ? prefix + tail : tail[0]!.toLowerCase() + tail.slice(1);
}

/** A `//` comment line. Line breaks in config text are escaped so a model name cannot end the comment. */
export function comment(text: string): Code {
  return new Code(`// ${text.replace(/[\r\n\u2028\u2029]/g, (c) => JSON.stringify(c).slice(1, -1))}`);
}
