import { describe, expect, it } from "vitest";
import { code, comment, identifier, name, prefixed, Scope, ts } from "../../generator/code.ts";

describe("ts template", () => {
  it("JSON-encodes interpolated values, so config text cannot become code", () => {
    const evil = 'x"; process.exit(1); "${y}`';
    const out = ts`const model = ${evil};`.text;
    expect(out).toBe(`const model = ${JSON.stringify(evil)};`);
    expect(new Function(`${out} return model;`)()).toBe(evil);
  });

  it("inserts Code as is and re-indents multi-line code to its column", () => {
    const inner = ts`a: 1,\nb: 2,`;
    expect(ts`{\n  ${inner}\n}`.text).toBe("{\n  a: 1,\n  b: 2,\n}");
    expect(ts`x(${code("y")})`.text).toBe("x(y)");
  });

  it("joins arrays of Code with newlines", () => {
    expect(ts`  ${[code("a;"), code("b;")]}`.text).toBe("  a;\n  b;");
  });

  it("refuses identifiers that are not identifiers", () => {
    expect(() => name("a-b")).toThrow();
    expect(() => name("x;y")).toThrow();
    expect(name("routeGpt4o").text).toBe("routeGpt4o");
  });

  it("keeps comments on one line whatever the config says", () => {
    expect(comment("@route a\nprocess.exit(1)").text).toBe("// @route a\\nprocess.exit(1)");
  });

  it("derives camelCase identifiers from ids", () => {
    expect(identifier("route", "claude-star")).toBe("routeClaudeStar");
    expect(identifier("route", "gpt-4o")).toBe("routeGpt4o");
  });

  it("never derives a bare identifier that is reserved or starts with a digit", () => {
    expect(identifier("", "4o")).toBe("_4o");
    expect(identifier("", "class")).toBe("_class");
    expect(identifier("", "private")).toBe("_private");
    expect(identifier("", "default")).toBe("_default");
    expect(identifier("", "claude-star")).toBe("claudeStar");
    expect(prefixed("route", "_4o")).toBe("route4o");
    expect(prefixed("when", "_class")).toBe("whenClass");
  });

  it("hands out distinct names within a scope, in call order", () => {
    const scope = new Scope(["env", "openaiPaths"]);
    expect(["openai", "openaiPaths", "env", "aB", "aB", "class", "openaiKey", "openaiKey"].map((n) => scope.unique(n))).toEqual([
      "openai",
      "openaiPaths2",
      "env2",
      "aB",
      "aB2",
      "_class",
      "openaiKey",
      "openaiKey2",
    ]);
  });
});
