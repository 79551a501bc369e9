// Pass-through path globs (generator/passthrough-paths.ts) and the runtime matcher over the RegExp the
// generator folds them into (runtime/passthrough/match.ts): which paths a glob takes, which pairs of globs
// share a path, and how the client's API picks between OpenAI's and Anthropic's entries.
import { describe, expect, it } from "vitest";
import { parsePathGlob, pathGlobMatches, pathGlobSource, pathGlobsOverlap } from "../../generator/passthrough-paths.ts";
import { matchPassthrough } from "../../runtime/passthrough/match.ts";
import type { PassthroughEntry, PassthroughTable } from "../../runtime/passthrough/table.ts";

describe("pathGlobMatches", () => {
  const cases: Array<[glob: string, path: string, want: boolean]> = [
    ["/v1/moderations", "/v1/moderations", true],
    ["/v1/moderations", "/v1/moderations/x", false],
    ["/v1/files/**", "/v1/files", true],
    ["/v1/files/**", "/v1/files/file-1/content", true],
    ["/v1/files/**", "/v1/filesx", false],
    ["/v1/files/*", "/v1/files/file-1", true],
    ["/v1/files/*", "/v1/files", false],
    ["/v1/files/*", "/v1/files/a/b", false],
    ["/v1/files/*/content", "/v1/files/file-1/content", true],
    ["/v1/a.b", "/v1/aXb", false],
  ];
  it.each(cases)("%s on %s: %s", (glob, path, want) => expect(pathGlobMatches(glob, path)).toBe(want));
});

describe("pathGlobsOverlap", () => {
  const cases: Array<[a: string, b: string, want: boolean]> = [
    ["/v1/files/**", "/v1/files", true],
    ["/v1/files/**", "/v1/files/*/content", true],
    ["/v1/files/*", "/v1/files/*/content", false],
    ["/v1/files/*", "/v1/batches/*", false],
    ["/v1/*/content", "/v1/files/*", true],
    ["/v1/*/content", "/v1/files/*/y", false],
    ["/v1/*/x", "/v1/files/*", true],
    ["/v1/batches", "/v1/batches/**", true],
    ["/v1/a", "/v1/a/b", false],
  ];
  it.each(cases)("%s and %s: %s", (a, b, want) => {
    expect(pathGlobsOverlap(a, b)).toBe(want);
    expect(pathGlobsOverlap(b, a)).toBe(want);
  });
});

it("refuses what the syntax does not allow", () => {
  for (const glob of ["/files", "/v1/", "/v1//x", "/v1/**/x", "/v1/x*", "/v1/..", "/v1/a%2fb", "/anthropic/v1/files"]) {
    expect(parsePathGlob(glob).ok, glob).toBe(false);
  }
});

describe("matchPassthrough", () => {
  const entry = (id: string, api: "openai" | "anthropic") => ({ id, api }) as PassthroughEntry;
  const oa = entry("oa", "openai");
  const an = entry("an", "anthropic");
  const fold = (globs: string[]) => new RegExp(`^(?:${globs.map((g) => `${pathGlobSource(g)}()`).join("|")})$`);
  const table: PassthroughTable = {
    openai: { pattern: fold(["/v1/files/**", "/v1/moderations"]), entries: [oa, oa] },
    anthropic: { pattern: fold(["/v1/messages/batches/**", "/v1/files/**"]), entries: [an, an] },
  };
  const cases: Array<[url: string, anthropicVersion: boolean, want: { id: string; path: string } | null]> = [
    ["/v1/files", false, { id: "oa", path: "/v1/files" }],
    ["/v1/files", true, { id: "an", path: "/v1/files" }],
    ["/openai/v1/files/f/content", true, { id: "oa", path: "/v1/files/f/content" }],
    ["/openai/moderations", false, { id: "oa", path: "/v1/moderations" }],
    ["/anthropic/v1/messages/batches/b1/results", false, { id: "an", path: "/v1/messages/batches/b1/results" }],
    ["/v1/messages/batches", false, null],
    ["/v1/moderations", true, null],
    ["/v1/files/../admin", false, null],
    ["/v1/files/%2e%2e/admin", false, null],
    ["/v1/files/a%2Fb", false, null],
    ["/health", false, null],
  ];
  it.each(cases)("%s (anthropic-version: %s)", (url, version, want) => {
    const found = matchPassthrough(table, url, version);
    expect(found === null ? null : { id: found.entry.id, path: found.path }).toEqual(want);
  });
});
