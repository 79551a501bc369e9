// The CLI as CI and users run it: a broken routes.yaml fails with file:line:col, `check` writes nothing,
// and the exit codes say what happened. Paths are the user's: run from a folder of their own, the CLI reads
// that folder's routes.yaml and writes generated/ and dist/ there (or under --out), never the package's.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { logMessages, root } from "../support/gateway.ts";

function switchyard(...args: string[]) {
  return switchyardIn(root, ...args);
}

function switchyardIn(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, "bin/switchyard.mjs"), ...args], { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" } });
  return { code: result.status, out: result.stdout + result.stderr, stdout: result.stdout, stderr: result.stderr };
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

  it("answers --version and --help", () => {
    const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) expect(switchyard(flag)).toMatchObject({ code: 0, stdout: `${version}\n` });
    const help = switchyard("--help");
    expect(help.code).toBe(0);
    for (const command of ["init", "check", "build", "serve", "keys", "logs", "usage"]) expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
  });
});

describe("switchyard in a folder of the user's", () => {
  it("says how to start when the folder has no routes.yaml, instead of building the package's own", () => {
    const empty = mkdtempSync(path.join(tmpdir(), "switchyard-empty-"));
    for (const command of ["build", "check"]) {
      const result = switchyardIn(empty, command);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`switchyard ${command}: no routes.yaml in ${empty}: \`switchyard init\` writes a starter one`);
      expect(readdirSync(empty)).toEqual([]);
    }
  });

  it("init writes a starter routes.yaml and its scenario, and never overwrites", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "switchyard-init-"));
    const first = switchyardIn(dir, "init");
    expect(first.code, first.out).toBe(0);
    expect(first.stdout).toContain(`wrote routes.yaml and scenarios/demo.yaml in ${dir}`);
    expect(first.stdout).toContain("npx switchyard build");
    const written = readFileSync(path.join(dir, "routes.yaml"), "utf8");

    // One file already there is enough to write nothing at all.
    rmSync(path.join(dir, "scenarios"), { recursive: true });
    writeFileSync(path.join(dir, "routes.yaml"), "# mine\n");
    const again = switchyardIn(dir, "init");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`switchyard init: routes.yaml already exists in ${dir}; nothing was written`);
    expect(readFileSync(path.join(dir, "routes.yaml"), "utf8")).toBe("# mine\n");
    expect(existsSync(path.join(dir, "scenarios"))).toBe(false);

    // A folder named on the command line, created if needed.
    const other = path.join(dir, "gateway");
    expect(switchyardIn(dir, "init", "gateway").code).toBe(0);
    expect(readFileSync(path.join(other, "routes.yaml"), "utf8")).toBe(written);
    expect(readFileSync(path.join(other, "scenarios/demo.yaml"), "utf8")).toContain("written by `switchyard init`");
  });

  it("build --out puts generated/ and dist/ there, serve --out runs that bundle, and the package's own dist/ is left alone", async () => {
    const project = mkdtempSync(path.join(tmpdir(), "switchyard-project-"));
    expect(switchyardIn(project, "init").code).toBe(0);
    // Under the repository, so the bundle finds uWebSockets.js in its node_modules as an installed package would.
    const out = path.join(root, "test/.build/cli-out");
    rmSync(out, { recursive: true, force: true });
    const packageBundle = path.join(root, "dist/dev/server.mjs");
    const before = existsSync(packageBundle) ? statSync(packageBundle).mtimeMs : null;

    const build = switchyardIn(project, "build", "--out", out);
    expect(build.code, build.out).toBe(0);
    for (const stage of ["load", "validate", "emit", "type-check", "bundle"]) expect(build.stderr).toMatch(new RegExp(`^  ${stage} +\\d+(\\.\\d)? m?s  `, "m"));
    expect(build.stdout).toContain("(env dev, 3 routes)");
    expect(existsSync(path.join(out, "dist/dev/server.mjs"))).toBe(true);
    expect(readdirSync(path.join(out, "generated/dev/routes")).sort()).toEqual(["claude-star.ts", "demo.ts", "gpt-4o-mini.ts"]);
    expect(readdirSync(project).sort()).toEqual(["routes.yaml", "scenarios"]);
    expect(existsSync(packageBundle) ? statSync(packageBundle).mtimeMs : null).toBe(before);

    const child = spawn(process.execPath, [path.join(root, "bin/switchyard.mjs"), "serve", "--out", out, "--port", "0", "--workers", "1"], { cwd: project, env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 30_000);
        child.stdout.on("data", () => {
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (match) resolve(Number(match[1]));
          if (match) clearTimeout(timer);
        });
      });
      const answer = await fetch(`http://127.0.0.1:${port}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "demo", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(answer.status).toBe(200);
      expect(JSON.stringify(await answer.json())).toContain("answering offline");
      // The request log and the store are the working directory's: the user's folder.
      expect(logMessages(output)).toContain(`request log: ${path.join(project, "logs")}/*.jsonl`);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited, output).toBe(0);
  }, 180_000);
});
