import { describe, expect, it } from "vitest";
import { globCovers, globMatches, globToRegExp, globToRegExpSource, isGlob } from "../../generator/glob.ts";

describe("globToRegExpSource", () => {
  it.each([
    ["claude-*", "claude-[\\s\\S]*"],
    ["gpt-4?", "gpt-4[\\s\\S]"],
    ["ollama/*", "ollama\\/[\\s\\S]*"],
    ["a.b+c(d)[e]{f}|^$\\", "a\\.b\\+c\\(d\\)\\[e\\]\\{f\\}\\|\\^\\$\\\\"],
  ])("%s → %s", (glob, source) => {
    expect(globToRegExpSource(glob)).toBe(source);
  });

  it("is valid with the u flag too", () => {
    expect(() => new RegExp(globToRegExpSource("a.b-c/d*?(x)"), "u")).not.toThrow();
  });
});

describe("globMatches", () => {
  it.each([
    ["claude-*", "claude-3-5-sonnet", true],
    ["claude-*", "claude-", true],
    ["claude-*", "claude", false],
    ["ollama/*", "ollama/llama3:8b", true],
    ["gpt-4?", "gpt-4o", true],
    ["gpt-4?", "gpt-4", false],
    ["gpt-4?", "gpt-4o-mini", false],
    ["a.b", "axb", false],
    ["*", "", true],
    ["*", "line\nbreak", true],
  ])("%s matches %j: %s", (glob, name, want) => {
    expect(globMatches(glob, name)).toBe(want);
  });

  it("anchors the pattern", () => {
    expect(globToRegExp("b*").test("ab")).toBe(false);
  });

  it("tells globs from exact names", () => {
    expect([isGlob("gpt-4o"), isGlob("claude-*"), isGlob("gpt-4?")]).toEqual([false, true, true]);
  });
});

describe("globCovers", () => {
  it.each([
    // [outer, inner, outer matches everything inner matches]
    ["claude-*", "claude-3-*", true],
    ["claude-3-*", "claude-*", false],
    ["*", "anything?*", true],
    ["*", "*", true],
    ["a*", "a", true],
    ["a*", "b*", false],
    ["?*", "*?", true],
    ["??*", "?*a", true], // no symbol-by-symbol alignment exists, yet inclusion holds
    ["??*", "?*", false],
    ["*a*", "?*a", true],
    ["*a*", "?*", false],
    ["*ab*", "*a?b*", false],
    ["*a*b*", "*ab*", true],
    ["a?c", "abc", true],
    ["abc", "a?c", false],
    ["gpt-?*", "gpt-4o", true],
    ["gpt-?*", "gpt-", false],
    ["claude-?", "claude-??", false],
    ["*-mini", "gpt-*-mini", true],
    ["*-mini", "gpt-*", false],
  ])("%s covers %s: %s", (outer, inner, want) => {
    expect(globCovers(outer, inner)).toBe(want);
  });

  // Brute force over every glob of up to 3 symbols from {a, b, ?, *}: inner ⊆ outer iff no name over
  // {a, b, z} (z: a letter neither glob mentions) of length ≤ 6 is matched by inner and not by outer.
  it("agrees with brute force on all small globs", () => {
    const globs = allStrings(["a", "b", "?", "*"], 3);
    const names = allStrings(["a", "b", "z"], 6);
    const matches = new Map(globs.map((glob) => [glob, names.map((name) => globMatches(glob, name))]));
    const disagreements: string[] = [];
    for (const outer of globs) {
      for (const inner of globs) {
        const o = matches.get(outer)!;
        const bruteForce = matches.get(inner)!.every((hit, i) => !hit || o[i]);
        if (globCovers(outer, inner) !== bruteForce) disagreements.push(`${outer} ⊇ ${inner}: brute force ${bruteForce}`);
      }
    }
    expect(disagreements).toEqual([]);
  });
});

function allStrings(symbols: string[], maxLength: number): string[] {
  const out = [""];
  let layer = [""];
  for (let length = 1; length <= maxLength; length++) {
    layer = layer.flatMap((prefix) => symbols.map((symbol) => prefix + symbol));
    out.push(...layer);
  }
  return out;
}
