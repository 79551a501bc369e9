// Diagnostics for routes.yaml and their GCC-style rendering. `file:line:col` first, so terminals and
// editors make it clickable; then the offending source re-printed with the bad part underlined, as
// Prisma does for schema errors:
//
//   routes.yaml:14:9: error[unknown-key] /routes/2/targets/0/modle: unknown key "modle". Did you mean "model"?
//     13 |     targets:
//     14 |       - modle: gpt-4o
//        |         ^^^^^
//     allowed: provider, model
//   1 error in routes.yaml

export interface Diagnostic {
  /** As given on the command line, e.g. "routes.yaml". */
  file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. an unknown `--env`). */
  line: number;
  /** 1-based; 0 together with line 0. */
  col: number;
  /** 1-based column just past the underlined text, on the same line; absent underlines one character. */
  endCol?: number;
  /** Stable kebab-case code, e.g. "unknown-key"; each has a case in test/diagnostics/. */
  code: string;
  /** JSON pointer to the offending value, "" for the whole file. */
  pointer: string;
  message: string;
  /** One more line of help, e.g. "allowed: provider, model". */
  hint?: string;
  severity: "error" | "warning";
}

/** Where a diagnostic points in the source text. */
export interface Span {
  line: number;
  col: number;
  endCol?: number;
}

export type PathSegment = string | number;

/**
 * Maps paths in the parsed config to places in its source text. Each method falls back to the
 * nearest enclosing node that exists, so a diagnostic always has a place to point at.
 */
export interface SourceLocator {
  readonly file: string;
  /** The key of the map entry at `path` (an unknown key, a provider name); the value for list items. */
  key(path: readonly PathSegment[]): Span;
  /** The value at `path` (a bad type or enum value); the key when the value is empty (`server:`). */
  value(path: readonly PathSegment[]): Span;
  /** The first occurrence of `fragment` inside the source of the scalar at `path`; else `value(path)`. */
  within(path: readonly PathSegment[], fragment: string): Span;
}

/** RFC 6901 JSON pointer for a path: `~` and `/` inside keys are escaped. */
export function toPointer(path: readonly PathSegment[]): string {
  return path.map((segment) => "/" + String(segment).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/** Inverse of `toPointer`, also for ajv's `instancePath`. */
export function fromPointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => segment.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Orders diagnostics by file position; stable, so equal positions keep their discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((diagnostic, index) => ({ diagnostic, index }))
    .sort(
      (a, b) =>
        compare(a.diagnostic.file, b.diagnostic.file) ||
        a.diagnostic.line - b.diagnostic.line ||
        a.diagnostic.col - b.diagnostic.col ||
        a.index - b.index,
    )
    .map(({ diagnostic }) => diagnostic);
}

/**
 * Renders diagnostics in the order given, followed by a summary line ("2 errors in routes.yaml").
 * `sources` is the text of the file the diagnostics point into, or a map from file name to text
 * when they span several files; diagnostics without source text are printed without a snippet.
 * Returns "" for no diagnostics; the result has no trailing newline.
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  sources: string | ReadonlyMap<string, string>,
): string {
  if (diagnostics.length === 0) return "";
  const out: string[] = [];
  const lineCache = new Map<string, string[]>();
  const linesOf = (file: string): string[] | undefined => {
    const text = typeof sources === "string" ? sources : sources.get(file);
    if (text === undefined) return undefined;
    let lines = lineCache.get(file);
    if (lines === undefined) {
      lines = text.split(/\r\n|\r|\n/);
      lineCache.set(file, lines);
    }
    return lines;
  };

  for (const diagnostic of diagnostics) {
    out.push(formatHeader(diagnostic));
    const lines = linesOf(diagnostic.file);
    if (lines !== undefined && diagnostic.line >= 1) out.push(...formatSnippet(diagnostic, lines));
    if (diagnostic.hint !== undefined) {
      for (const hintLine of diagnostic.hint.split("\n")) out.push(`  ${hintLine}`.trimEnd());
    }
  }
  out.push(formatSummary(diagnostics));
  return out.join("\n");
}

function formatHeader(d: Diagnostic): string {
  const place = d.line >= 1 ? `${d.file}:${d.line}:${d.col}:` : `${d.file}:`;
  const pointer = d.pointer === "" ? "" : `${d.pointer}: `;
  return `${place} ${d.severity}[${d.code}] ${pointer}${d.message}`;
}

/** The previous line for context, the offending line, and a caret underline below it. */
function formatSnippet(d: Diagnostic, lines: readonly string[]): string[] {
  const first = Math.max(1, d.line - 1);
  const width = String(d.line).length;
  const gutter = (label: string) => `  ${label.padStart(width)} |`;
  const out: string[] = [];
  for (let n = first; n <= d.line; n++) out.push(`${gutter(String(n))} ${lines[n - 1] ?? ""}`.trimEnd());

  const text = lines[d.line - 1] ?? "";
  const start = Math.max(1, d.col);
  // Keep tabs in the padding so the carets line up under tab-indented text.
  const padding = text.slice(0, start - 1).replace(/[^\t]/g, " ").padEnd(start - 1, " ");
  const available = Math.max(1, text.length - (start - 1));
  const wanted = d.endCol !== undefined && d.endCol > start ? d.endCol - start : 1;
  out.push(`${gutter("")} ${padding}${"^".repeat(Math.min(wanted, available))}`);
  return out;
}

/** "1 error in routes.yaml", "2 errors and 1 warning in routes.yaml". */
function formatSummary(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const counts: string[] = [];
  if (errors > 0) counts.push(plural(errors, "error"));
  if (warnings > 0) counts.push(plural(warnings, "warning"));
  const files = [...new Set(diagnostics.map((d) => d.file))];
  return `${counts.join(" and ")} in ${files.join(", ")}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
