// The first run as a user has it: the package packed with `npm pack`, installed from that tarball into an
// empty folder, then `npx switchyard init && npx switchyard build && npx switchyard serve` there, and a
// request to the demo route. Nothing comes from the repository's own tree but the tarball, and the one
// native addon noted below, so a file missing from package.json's `files`, a build tool left in
// devDependencies, or a path resolved against the package instead of the user's folder fails here.
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMessages, root } from "../support/gateway.ts";

const work = mkdtempSync(path.join(tmpdir(), "switchyard-packed-"));
const app = path.join(work, "app");
/** What a user's shell has: no provider keys, so the real providers stay skipped. */
const userEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? work, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
let skipped: string | null = null;

function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string>; timeout?: number }): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd: options.cwd, env: { ...userEnv, ...options.env }, encoding: "utf8", timeout: options.timeout ?? 180_000 });
}

const said = (result: SpawnSyncReturns<string>) => `${result.stdout}${result.stderr}${result.error ? `\n${result.error.message}` : ""}`;

/**
 * better-sqlite3's install script downloads a prebuilt addon from GitHub, which these machines cannot reach,
 * and then compiles SQLite from source (over five minutes on two busy cores). prebuild-install looks for the
 * download in a local folder first: the addon the repository's own install built (same version, same Node.js
 * ABI), packed as its release asset, so the install script still runs and unpacks it exactly as it would
 * a download.
 */
function localPrebuild(): string {
  const dir = path.join(work, "prebuilds");
  mkdirSync(dir);
  const { version } = JSON.parse(readFileSync(path.join(root, "node_modules/better-sqlite3/package.json"), "utf8")) as { version: string };
  const asset = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const packed = run("tar", ["-czf", path.join(dir, asset), "-C", path.join(root, "node_modules/better-sqlite3"), "build/Release/better_sqlite3.node"], { cwd: work });
  if (packed.status !== 0) throw new Error(`cannot pack the local better-sqlite3 prebuild: ${said(packed)}`);
  return dir;
}

beforeAll(() => {
  const packed = run("npm", ["pack", "--json", "--pack-destination", work], { cwd: root });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${said(packed)}`);
  const tarball = path.join(work, (JSON.parse(packed.stdout) as Array<{ filename: string }>)[0]!.filename);
  mkdirSync(app);
  // The user's own package.json, with the install-script policy the README recommends (the same as ours).
  const { allowScripts } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { allowScripts: Record<string, boolean> };
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "my-gateway", private: true, allowScripts }, null, 2));
  // --prefer-offline: what `npm ci` of this repository put in the npm cache is used without asking the registry.
  const installed = run("npm", ["install", "--prefer-offline", tarball], { cwd: app, env: { npm_config_better_sqlite3_local_prebuilds: localPrebuild() }, timeout: 240_000 });
  if (installed.status !== 0) {
    if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH/.test(said(installed))) skipped = `npm install of the packed tarball needs the registry for packages missing from the cache: ${said(installed).trim().split("\n").at(-1)}`;
    else throw new Error(`npm install of the packed tarball failed:\n${said(installed)}`);
  }
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("installed from the packed tarball, in an empty folder", () => {
  it("init writes a starter routes.yaml and the demo scenario, and refuses to overwrite them", ({ skip }) => {
    if (skipped) return skip(skipped);
    const init = run("npx", ["switchyard", "init"], { cwd: app, timeout: 60_000 });
    expect(init.status, said(init)).toBe(0);
    expect(init.stdout).toContain("wrote routes.yaml and scenarios/demo.yaml");
    expect(readFileSync(path.join(app, "routes.yaml"), "utf8")).toContain("file: scenarios/demo.yaml");
    expect(existsSync(path.join(app, "scenarios/demo.yaml"))).toBe(true);

    const again = run("npx", ["switchyard", "init"], { cwd: app, timeout: 60_000 });
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("routes.yaml and scenarios/demo.yaml already exist");
  });

  it("build compiles the folder's routes.yaml into its own generated/ and dist/, stage by stage", ({ skip }) => {
    if (skipped) return skip(skipped);
    const build = run("npx", ["switchyard", "build"], { cwd: app });
    expect(build.status, said(build)).toBe(0);
    for (const stage of ["load", "validate", "emit", "type-check", "bundle"]) expect(build.stderr).toMatch(new RegExp(`^  ${stage} +\\d+(\\.\\d)? m?s  `, "m"));
    // The starter's three routes, not the package's own routes.yaml (seven).
    expect(build.stdout).toMatch(/^built dist\/dev\/server\.mjs from routes\.yaml \(env dev, 3 routes\)/m);
    expect(readdirSync(path.join(app, "generated/dev/routes")).sort()).toEqual(["claude-star.ts", "demo.ts", "gpt-4o-mini.ts"]);
    expect(existsSync(path.join(app, "dist/dev/server.mjs"))).toBe(true);
    for (const inPackage of ["generated", "dist"]) expect(existsSync(path.join(app, "node_modules/switchyard", inPackage))).toBe(false);
    // The whole type-check of the runtime: ~20 s of CPU, a minute on a loaded 2-core machine.
  }, 180_000);

  it("createGateway is importable with its types, and opens the built bundle and the routes.yaml in-process", ({ skip }) => {
    if (skipped) return skip(skipped);
    // A program of the user's: the package's `exports` (lib/index.mjs), its `types` (lib/index.d.ts).
    writeFileSync(
      path.join(app, "embed.mts"),
      `import { createGateway, type Gateway } from "switchyard";
const ask = async (gateway: Gateway): Promise<string> => {
  const response = await gateway.handle(new Request("http://embedded/v1/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hi" }] }),
  }));
  const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
  return \`\${response.status} \${body.choices[0]!.message.content}\`;
};
for (const options of [{ bundle: "dist/dev/server.mjs" }, { config: "routes.yaml" }] as const) {
  const gateway = await createGateway(options);
  console.log(Object.keys(options)[0], await ask(gateway));
  await gateway.close();
}
`,
    );
    const types = run("npx", ["tsc", "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--skipLibCheck", "embed.mts"], { cwd: app, timeout: 120_000 });
    expect(types.status, said(types)).toBe(0);
    // Node runs the program's JavaScript: the same file without its type annotations.
    const js = readFileSync(path.join(app, "embed.mts"), "utf8").replace(", type Gateway", "").replace("(gateway: Gateway): Promise<string>", "(gateway)").replace(" as { choices: Array<{ message: { content: string } }> }", "").replace("!.message", ".message").replace(" as const", "");
    writeFileSync(path.join(app, "embed.mjs"), js);
    const bundleWritten = statSync(path.join(app, "dist/dev/server.mjs")).mtimeMs;
    const embedded = run("node", ["embed.mjs"], { cwd: app, timeout: 240_000 });
    expect(embedded.status, said(embedded)).toBe(0);
    expect(embedded.stdout).toMatch(/^bundle 200 Hello! This is Switchyard answering offline/m);
    expect(embedded.stdout).toMatch(/^config 200 Hello! This is Switchyard answering offline/m);
    // The config was built in a temporary folder: not over the folder's own dist/, nor inside the package.
    expect(statSync(path.join(app, "dist/dev/server.mjs")).mtimeMs).toBe(bundleWritten);
    for (const inPackage of ["generated", "dist"]) expect(existsSync(path.join(app, "node_modules/switchyard", inPackage))).toBe(false);
  }, 300_000);

  it("serve serves the demo, lists only the models it can serve, and stops on SIGTERM", async ({ skip }) => {
    if (skipped) return skip(skipped);
    // Its own process group, as a terminal runs it: npx does not pass a signal on to what it started, and a
    // terminal's Ctrl-C (or `kill` of the job) reaches every process of the group instead.
    const child = spawn("npx", ["switchyard", "serve", "--port", "0"], { cwd: app, env: userEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    // "close": every process holding the output pipes (npx, the supervisor, its workers) has ended.
    const closed = new Promise<void>((resolve) => child.on("close", () => resolve()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 60_000);
        child.stdout.on("data", () => {
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(Number(match[1]));
          }
        });
        child.on("exit", (code) => reject(new Error(`serve exited ${code}:\n${output}`)));
      });
      const answer = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(answer.status).toBe(200);
      const completion = (await answer.json()) as { choices: Array<{ message: { content: string } }> };
      expect(completion.choices[0]!.message.content).toContain("This is Switchyard answering offline");
      // No OPENAI_API_KEY or ANTHROPIC_API_KEY here: only the demo can answer, so only the demo is listed.
      const models = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Array<{ id: string }> };
      expect(models.data.map((m) => m.id)).toEqual(["demo"]);
      // Where the request log goes, said at start, in the user's folder.
      expect(logMessages(output)).toContain(`request log: ${path.join(app, "logs")}/`);
    } finally {
      stop("SIGTERM");
    }
    const timer = setTimeout(() => stop("SIGKILL"), 20_000);
    await closed;
    clearTimeout(timer);
    // It drained (one worker per core, or this process alone on one core) and said so.
    expect(logMessages(output)).toMatch(/SIGTERM: draining .*\n(.*\n)*stopped/);
  }, 90_000);
});
