// Every fixture config the e2e and client tests build, in every environment it defines, emitted and
// type-checked with the runtime, several configs to a program. The fixture builds themselves skip the
// type-check (test/support/gateway.ts): one check per fixture cost minutes of CI, almost all of it the
// runtime's own types, checked again each time. This keeps "tsc checks every route" true of every config the
// suite runs. Groups, not one program for all: one program's memory grows with each config's modules.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildConfig } from "../../generator/build.ts";
import type { GeneratedFile } from "../../generator/generate.ts";
import { typecheckGenerated } from "../../generator/typecheck.ts";
import { root } from "../support/gateway.ts";

/** The configs test/support/gateway.ts's buildCase is given: the shipped one and every *.routes.yaml under test/. */
function fixtureConfigs(): string[] {
  const found: string[] = [];
  // A walk that never enters dot folders: test/.clients and test/.node hold whole node_modules trees.
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name.startsWith(".")) continue;
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith(".routes.yaml") || relative === path.join("test", "e2e", "routes.yaml")) found.push(relative);
    }
  };
  walk("test");
  return ["routes.yaml", ...found.sort()];
}

/** "dev" (what buildCase defaults to) and each environment the file defines. */
function environmentsOf(configFile: string): string[] {
  const doc = parse(readFileSync(path.join(root, configFile), "utf8")) as { environments?: Record<string, unknown> } | null;
  return ["dev", ...Object.keys(doc?.environments ?? {}).filter((env) => env !== "dev")];
}

const CASES = fixtureConfigs().flatMap((configFile) => environmentsOf(configFile).map((env) => ({ configFile, env })));
const PER_PROGRAM = 8;
const GROUPS = Array.from({ length: Math.ceil(CASES.length / PER_PROGRAM) }, (_, i) => CASES.slice(i * PER_PROGRAM, (i + 1) * PER_PROGRAM));

describe("fixture configs emit code that type-checks with the runtime", () => {
  it("covers every fixture config", () => {
    expect(CASES.length).toBeGreaterThan(30);
  });

  it.each(GROUPS.map((group) => [group.map((c) => `${path.basename(c.configFile)}:${c.env}`).join(", "), group] as const))("%s", async (_, group) => {
    const files = new Map<string, GeneratedFile>();
    const failures: string[] = [];
    for (const { configFile, env } of group) {
      const id = `${configFile.replace(/[^\w]+/g, "_")}-${env}`;
      const result = await buildConfig({ root, outDir: root, configFile, env, write: false, typeCheck: false, generatedDir: `test/.build/typecheck/${id}` });
      if (!result.ok) failures.push(`${configFile} (env ${env}):\n${result.report}`);
      // generated/types/ is the same for every config; each config's own modules have a folder of their own.
      for (const file of result.files) files.set(file.path, file);
    }
    expect(failures).toEqual([]);
    const diagnostics = typecheckGenerated(root, [...files.values()]);
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`)).toEqual([]);
  }, 600_000);
});
