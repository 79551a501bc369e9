// The CLI as CI and users run it: a broken routes.yaml fails with file:line:col, `check` writes nothing,
// and the exit codes say what happened.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { root } from "../support/gateway.ts";

function switchyard(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, "bin/switchyard.mjs"), ...args], { cwd: root, encoding: "utf8" });
  return { code: result.status, out: result.stdout + result.stderr };
}

const dir = "test/.build/cli";
mkdirSync(path.join(root, dir), { recursive: true });

const broken = `providers:
  openai:
    kind: openai
    api_key: \${OPENAI_API_KEY}
routes:
  - model: gpt-4o
    targets:
      - provider: opnai
`;

describe("switchyard CLI", () => {
  it("build fails on a broken config with the line, column and a did-you-mean", () => {
    const file = `${dir}/broken.yaml`;
    writeFileSync(path.join(root, file), broken);
    const result = switchyard("build", file, "--env", "dev");
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${file}:8:19: error[unknown-provider]`);
    expect(result.out).toContain('Did you mean "openai"?');
  });

  it("check validates and type-checks without writing generated code or a bundle", () => {
    const file = `${dir}/ok.yaml`;
    writeFileSync(path.join(root, file), broken.replace("opnai", "openai") + "environments:\n  cicheck: {}\n");
    const result = switchyard("check", file, "--env", "cicheck");
    expect(result.out).toContain("ok");
    expect(result.code).toBe(0);
    expect(existsSync(path.join(root, "generated/cicheck"))).toBe(false);
    expect(existsSync(path.join(root, "dist/cicheck"))).toBe(false);
    // A whole type-check of the generated project: ~10 s alone, several times that on a loaded 2-core machine.
  }, 120_000);

  it("--strict-prices fails check and build on a target without a price", () => {
    const file = `${dir}/unpriced.yaml`;
    writeFileSync(path.join(root, file), broken.replace("opnai", "openai").replace("- provider: openai", "- provider: openai\n        model: gpt-from-the-future"));
    for (const command of ["check", "build"]) {
      const result = switchyard(command, file, "--env", "dev", "--strict-prices");
      expect(result.code, result.out).toBe(1);
      expect(result.out).toContain(`${file}:8:9: error[no-price] /routes/0/targets/0: no price for openai:gpt-from-the-future`);
      expect(result.out).toContain("add price: { input: USD, output: USD }");
    }
  });

  it("serve explains what to do when the environment was never built", () => {
    const result = switchyard("serve", "--env", "never-built");
    expect(result.code).toBe(1);
    expect(result.out).toContain("switchyard build --env never-built");
  });
});
