// A small JSONPath parser for body transforms. Paths are parsed here, once, at build time, and compiled to
// code by generator/emit/transforms.ts; the runtime has no JSONPath interpreter.
//
// Supported (a subset of RFC 9535 that covers request/response rewriting):
//   $.name  $['name']  $["x-y"]    member by name
//   $.a[0]                         array element by non-negative index
//   $.a[*]  $.a.*                  every element or member
//   $.a[?(@.role == 'system')]     every element or member whose @-path compares with a literal
//                                  (==, !=, <, <=, >, >=), or `[?(@.x)]`: whose @-path is present
// Anything else (recursive descent `..`, slices, unions, negative indexes, functions) is rejected with a
// message naming the unsupported part, so the build fails rather than silently matching nothing.

export type SimpleSegment = { kind: "name"; name: string } | { kind: "index"; index: number };

export type FilterOp = "==" | "!=" | "<" | "<=" | ">" | ">=";
export type Literal = string | number | boolean | null;

export type Segment =
  | SimpleSegment
  | { kind: "wildcard" }
  | { kind: "filter"; path: SimpleSegment[]; test: { op: FilterOp; value: Literal } | null };

export interface JsonPath {
  /** As written in routes.yaml. */
  source: string;
  segments: Segment[];
}

export type JsonPathResult = { ok: true; path: JsonPath } | { ok: false; message: string; fragment: string };

/** True when every segment names one member or element: such paths compile to direct property access. */
export function isSimplePath(path: JsonPath): path is JsonPath & { segments: SimpleSegment[] } {
  return path.segments.every((s) => s.kind === "name" || s.kind === "index");
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const OPS: readonly FilterOp[] = ["==", "!=", "<=", ">=", "<", ">"];

class PathError extends Error {
  constructor(
    message: string,
    readonly fragment: string,
  ) {
    super(message);
  }
}

export function parseJsonPath(source: string): JsonPathResult {
  try {
    return { ok: true, path: { source, segments: new Parser(source).parse() } };
  } catch (error) {
    if (error instanceof PathError) return { ok: false, message: `${error.message} in JSONPath "${source}"`, fragment: error.fragment || source };
    throw error;
  }
}

class Parser {
  private at = 0;
  constructor(private readonly src: string) {}

  parse(): Segment[] {
    if (this.src[0] !== "$") throw new PathError(`a path starts with "$"`, this.src.slice(0, 1));
    this.at = 1;
    const segments: Segment[] = [];
    while (this.at < this.src.length) segments.push(this.segment(false));
    if (segments.length === 0) throw new PathError(`"$" alone selects the whole body; name a field below it`, "$");
    return segments;
  }

  /** One `.name`, `.*`, `[...]`; in a filter's @-path (`simple`) only names and indexes. */
  private segment(simple: boolean): Segment {
    const c = this.src[this.at];
    if (c === ".") {
      this.at++;
      const next = this.src[this.at];
      if (next === ".") throw new PathError(`recursive descent ".." is not supported`, "..");
      if (next === "*" && !simple) {
        this.at++;
        return { kind: "wildcard" };
      }
      if (next === undefined || !IDENT_START.test(next)) {
        throw new PathError(`expected a member name after "."; write ['name'] for names with other characters`, this.rest(-1));
      }
      const start = this.at;
      while (this.at < this.src.length && IDENT_PART.test(this.src[this.at]!)) this.at++;
      return { kind: "name", name: this.src.slice(start, this.at) };
    }
    if (c === "[") {
      const start = this.at;
      this.at++;
      this.spaces();
      const d = this.src[this.at];
      let segment: Segment;
      if (d === "'" || d === '"') segment = { kind: "name", name: this.string() };
      else if (d !== undefined && /[0-9]/.test(d)) segment = { kind: "index", index: this.integer() };
      else if (d === "*" && !simple) {
        this.at++;
        segment = { kind: "wildcard" };
      } else if (d === "?" && !simple) segment = this.filter();
      else if (d === "-") throw new PathError(`negative indexes are not supported`, this.rest(0, 3));
      else throw new PathError(`unsupported selector`, this.src.slice(start, this.closing(start)));
      this.spaces();
      if (this.src[this.at] !== "]") {
        const what = this.src[this.at] === ":" ? "slices are not supported" : this.src[this.at] === "," ? "unions are not supported" : `expected "]"`;
        throw new PathError(what, this.src.slice(start, this.closing(start)));
      }
      this.at++;
      return segment;
    }
    throw new PathError(`unexpected "${c}"`, this.rest(0));
  }

  private filter(): Segment {
    const start = this.at;
    this.at++; // ?
    if (this.src[this.at] !== "(") throw new PathError(`a filter is written [?(@.field == 'value')]`, this.rest(-2));
    this.at++;
    this.spaces();
    if (this.src[this.at] !== "@") throw new PathError(`a filter tests an @-path, e.g. @.role`, this.rest(0));
    this.at++;
    const path: SimpleSegment[] = [];
    while (this.src[this.at] === "." || this.src[this.at] === "[") path.push(this.segment(true) as SimpleSegment);
    this.spaces();
    let test: { op: FilterOp; value: Literal } | null = null;
    const op = OPS.find((o) => this.src.startsWith(o, this.at));
    if (op !== undefined) {
      this.at += op.length;
      this.spaces();
      test = { op, value: this.literal() };
      this.spaces();
    }
    if (this.src[this.at] !== ")") {
      throw new PathError(`a filter is one comparison of an @-path with a literal ("&&", "||" and functions are not supported)`, this.src.slice(start - 1, this.closing(start)));
    }
    this.at++;
    if (path.length === 0) throw new PathError(`a filter tests a field of @, e.g. @.role`, this.src.slice(start - 1, this.at + 1));
    return { kind: "filter", path, test };
  }

  private literal(): Literal {
    const c = this.src[this.at];
    if (c === "'" || c === '"') return this.string();
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.src.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    const match = /^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.src.slice(this.at));
    if (match === null) throw new PathError(`expected a string, number, true, false or null`, this.rest(0));
    this.at += match[0].length;
    return Number(match[0]);
  }

  private string(): string {
    const quote = this.src[this.at]!;
    const start = this.at;
    this.at++;
    let out = "";
    while (this.at < this.src.length) {
      const c = this.src[this.at]!;
      if (c === quote) {
        this.at++;
        return out;
      }
      if (c === "\\") {
        const e = this.src[this.at + 1];
        if (e === undefined || !`\\'"/`.includes(e)) throw new PathError(`unsupported escape`, this.src.slice(this.at, this.at + 2));
        out += e;
        this.at += 2;
        continue;
      }
      out += c;
      this.at++;
    }
    throw new PathError(`unterminated string`, this.src.slice(start));
  }

  private integer(): number {
    const match = /^[0-9]+/.exec(this.src.slice(this.at))!;
    this.at += match[0].length;
    const n = Number(match[0]);
    if (!Number.isSafeInteger(n)) throw new PathError(`index too large`, match[0]);
    return n;
  }

  private spaces(): void {
    while (this.src[this.at] === " ") this.at++;
  }

  /** The source from `at + offset`, `length` characters (or to the end). */
  private rest(offset: number, length?: number): string {
    const from = Math.max(0, this.at + offset);
    return this.src.slice(from, length === undefined ? undefined : from + length);
  }

  /** Index just past the `]` closing the bracket at `start`, or the end of the source. */
  private closing(start: number): number {
    const end = this.src.indexOf("]", start);
    return end < 0 ? this.src.length : end + 1;
  }
}
