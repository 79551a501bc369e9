// Golden diagnostics: test/diagnostics/<code>[--variant].yaml is loaded and its formatted
// diagnostics compared byte for byte with <code>[--variant].txt. A first line
// `# options: {"env": "prod"}` passes load options. A case whose diagnostics are all warnings (no-price)
// still loads; any error means no IR. Accept new output with
// `UPDATE_DIAGNOSTICS=1 npx vitest run test/generator/diagnostics.test.ts` (never under CI), which
// also deletes .txt files whose .yaml is gone.
import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../generator/load.ts";
import { formatDiagnostics, type Diagnostic } from "../../generator/diagnostics.ts";

const dir = join(import.meta.dirname, "..", "diagnostics");
const update = process.env.UPDATE_DIAGNOSTICS === "1" && !process.env.CI;
const cases = readdirSync(dir)
  .filter((name) => name.endsWith(".yaml"))
  .map((name) => name.slice(0, -".yaml".length))
  .sort();

/** Every code loadConfig can report for a routes.yaml; each needs at least one case. */
const CODES = [
  "parse-error",
  "unknown-key",
  "missing-key",
  "bad-type",
  "bad-value",
  "unknown-provider",
  "duplicate-route",
  "duplicate-route-id",
  "shadowed-route",
  "unknown-env-provider",
  "bad-env-reference",
  "unknown-env",
  "bad-jsonpath",
  "bad-regex",
  "unsafe-regex",
  "no-price",
  "passthrough-shadows-endpoint",
  "overlapping-passthrough",
  "missing-file",
];

function optionsOf(text: string): { env?: string; strictPrices?: boolean } {
  const match = /^# options: (.*)$/m.exec(text.split("\n", 1)[0] ?? "");
  return match === null ? {} : (JSON.parse(match[1]!) as { env?: string; strictPrices?: boolean });
}

describe("diagnostics goldens", () => {
  it.each(cases)("%s", (name) => {
    const text = readFileSync(join(dir, `${name}.yaml`), "utf8");
    const result = loadConfig(`${name}.yaml`, { ...optionsOf(text), text });
    const actual = formatDiagnostics(result.diagnostics, result.source) + "\n";
    const goldenPath = join(dir, `${name}.txt`);
    if (update) writeFileSync(goldenPath, actual);

    const code = name.split("--")[0]!;
    expect(result.ir === null).toBe(result.diagnostics.some((d) => d.severity === "error"));
    expect(result.diagnostics.map((d) => d.code)).toContain(code);
    expect(existsSync(goldenPath), `missing ${name}.txt; run with UPDATE_DIAGNOSTICS=1`).toBe(true);
    expect(actual).toBe(readFileSync(goldenPath, "utf8"));
  });

  it("has a case for every diagnostic code", () => {
    const covered = new Set(cases.map((name) => name.split("--")[0]));
    expect(CODES.filter((code) => !covered.has(code))).toEqual([]);
  });

  it("has no golden without its yaml", () => {
    const stale = readdirSync(dir).filter((name) => name.endsWith(".txt") && !cases.includes(name.slice(0, -4)));
    if (update) stale.forEach((name) => unlinkSync(join(dir, name)));
    else expect(stale).toEqual([]);
  });
});

describe("formatDiagnostics", () => {
  const base: Diagnostic = {
    file: "routes.yaml",
    line: 2,
    col: 5,
    endCol: 10,
    code: "unknown-key",
    pointer: "/a/modle",
    message: 'unknown key "modle"',
    severity: "error",
  };

  it("renders the header, two source lines, an underline, the hint and a summary", () => {
    const text = "a:\n    modle: x\n";
    expect(formatDiagnostics([{ ...base, hint: "allowed: model" }], text)).toBe(
      [
        'routes.yaml:2:5: error[unknown-key] /a/modle: unknown key "modle"',
        "  1 | a:",
        "  2 |     modle: x",
        "    |     ^^^^^",
        "  allowed: model",
        "1 error in routes.yaml",
      ].join("\n"),
    );
  });

  it("widens the gutter for the line number and has no context line for line 1", () => {
    const lines = Array.from({ length: 12 }, (_, i) => `line${i + 1}`);
    const out = formatDiagnostics(
      [
        { ...base, line: 10, col: 1, endCol: 3 },
        { ...base, line: 1, col: 3, endCol: undefined },
      ],
      lines.join("\n"),
    );
    expect(out.split("\n")).toEqual([
      'routes.yaml:10:1: error[unknown-key] /a/modle: unknown key "modle"',
      "   9 | line9",
      "  10 | line10",
      "     | ^^",
      'routes.yaml:1:3: error[unknown-key] /a/modle: unknown key "modle"',
      "  1 | line1",
      "    |   ^",
      "2 errors in routes.yaml",
    ]);
  });

  it("keeps tabs in the underline padding and clamps carets to the line", () => {
    const out = formatDiagnostics([{ ...base, line: 1, col: 3, endCol: 99 }], "\tk: v");
    expect(out.split("\n").slice(1, 3)).toEqual(["  1 | \tk: v", "    | \t ^^^"]);
  });

  it("omits the snippet for line 0 and the pointer when empty, and counts warnings", () => {
    const out = formatDiagnostics(
      [
        { ...base, line: 0, col: 0, pointer: "", code: "unknown-env", message: 'unknown environment "x"' },
        { ...base, severity: "warning" },
      ],
      new Map([["other.yaml", "x"]]),
    );
    expect(out.split("\n")).toEqual([
      'routes.yaml: error[unknown-env] unknown environment "x"',
      'routes.yaml:2:5: warning[unknown-key] /a/modle: unknown key "modle"',
      "1 error and 1 warning in routes.yaml",
    ]);
  });

  it("returns an empty string for no diagnostics", () => {
    expect(formatDiagnostics([], "")).toBe("");
  });
});

describe("loadConfig robustness", () => {
  it("reports an unreadable file instead of throwing", () => {
    const result = loadConfig(join(dir, "does-not-exist.yaml"));
    expect(result.ir).toBeNull();
    expect(result.diagnostics).toMatchObject([{ code: "read-error", line: 0 }]);
  });

  it.each([
    ["a scalar document", "42"],
    ["a list document", "- 1\n- 2"],
    ["routes of nulls", "providers: {}\nroutes: [null, 1, [], {targets: [null, 3, {provider: 4}]}]"],
    ["providers of junk", "providers: {a: null, b: [], c: {kind: 1, headers: 3}}\nroutes: []\nenvironments: {p: {providers: {a: 3, z: null}}}"],
    ["keys that are not strings", "providers:\n  ? [a, b]\n  : {kind: openai}\n1: 2\nroutes: []"],
    ["deep aliases", "a: &a [1, 2]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]"],
  ])("never throws on %s", (_, text) => {
    const result = loadConfig("routes.yaml", { text });
    expect(result.ir).toBeNull();
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics.map((d) => d.code)).not.toContain("internal-error");
    for (const d of result.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
  });
});
