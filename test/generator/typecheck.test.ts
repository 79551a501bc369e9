// The build's type-check looks only at the generated files (the runtime is checked once by `tsc -p .`), so it
// must still find an error in a route module, and report it at the route's line in routes.yaml.
import { describe, expect, it } from "vitest";
import { buildConfig } from "../../generator/build.ts";
import { typecheckGenerated } from "../../generator/typecheck.ts";
import { root } from "../support/gateway.ts";

describe("type-check of generated code", () => {
  it("passes the shipped config, and reports a route module that misuses the runtime's types at routes.yaml:LINE:COL", async () => {
    const result = await buildConfig({ root, outDir: root, configFile: "routes.yaml", env: "dev", write: false, typeCheck: false, generatedDir: "test/.build/typecheck-unit" });
    expect(result.ok).toBe(true);
    expect(typecheckGenerated(root, result.files)).toEqual([]);

    const route = result.files.find((file) => /\/routes\/gpt-4o\.ts$/.test(file.path))!;
    const provenance = /^\/\/ @route gpt-4o\s+routes\.yaml:(\d+):(\d+)/m.exec(route.content)!;
    // A retry policy whose attempts are a string: what a generator bug would emit, caught only by the checker.
    const broken = route.content.replace(/maxAttempts: \d+/, 'maxAttempts: "2"');
    expect(broken).not.toBe(route.content);
    const diagnostics = typecheckGenerated(root, result.files.map((file) => (file === route ? { ...file, content: broken } : file)));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: "routes.yaml", line: Number(provenance[1]), col: Number(provenance[2]), code: "type-error", pointer: "/routes/gpt-4o" });
    expect(diagnostics[0]!.message).toMatch(/maxAttempts|not assignable/);
  }, 120_000);
});
