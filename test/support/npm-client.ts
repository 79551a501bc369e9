// Installs real clients (CLIs and SDKs that are not dependencies of the project) from npm for the client
// tests, each pinned spec in its own folder under test/.clients/ (git-ignored) that later runs reuse.
// Vitest runs test files in parallel workers, so an install takes a lock folder (mkdir is atomic), installs
// into a temporary folder and renames it into place only once npm has succeeded: a folder under its final
// name is always complete, and a worker that waited for another's install finds it there.
// A failed install is not an error: the caller skips its tests and shows the one-line reason.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { root } from "./gateway.ts";

export const CLIENTS_DIR = path.join(root, "test/.clients");

/** One npm install; beyond it the registry is taken to be unreachable. */
const INSTALL_TIMEOUT_MS = 8 * 60_000;
/** Written last, inside the temporary folder: its presence means the folder is complete. */
const COMPLETE_MARKER = ".switchyard-installed";
/** How often a worker waiting for another's install looks again. */
const POLL_MS = 250;

export type Installed<T> = ({ ok: true } & T) | { ok: false; reason: string };

/**
 * Installs `spec` (an exact `name@version`) and returns the absolute path of its executable `bin`
 * (a name from the package's `bin` field), or a one-line reason it could not.
 */
export async function installClient(spec: string, bin: string): Promise<{ ok: true; bin: string } | { ok: false; reason: string }> {
  const installed = await installSpecs([spec]);
  if (!installed.ok) return installed;
  const name = packageName(spec);
  const manifestPath = path.join(installed.dir, "node_modules", name, "package.json");
  let bins: unknown;
  try {
    bins = (JSON.parse(readFileSync(manifestPath, "utf8")) as { bin?: unknown }).bin;
  } catch (err) {
    return { ok: false, reason: `${spec} installed, but its package.json could not be read: ${oneLine(String(err))}` };
  }
  // A string `bin` is named after the package (without its scope).
  const relative = typeof bins === "string" ? (bin === name.replace(/^@[^/]+\//, "") ? bins : undefined) : (bins as Record<string, string> | undefined)?.[bin];
  if (relative === undefined) return { ok: false, reason: `${spec} has no bin named "${bin}"` };
  const binPath = path.join(installed.dir, "node_modules", name, relative);
  if (!existsSync(binPath)) return { ok: false, reason: `${spec} installed, but its bin ${relative} is missing` };
  return { ok: true, bin: binPath };
}

/**
 * Installs libraries side by side in one folder (so peer dependencies resolve among them) and returns
 * `load(name)`, which imports a package from that folder as Node would, ESM conditions included.
 */
export async function installLibraries(specs: string[]): Promise<Installed<{ dir: string; load(name: string): Promise<any> }>> {
  const installed = await installSpecs(specs);
  if (!installed.ok) return installed;
  // A module inside node_modules/ resolves bare names from that node_modules/ with Node's own resolver,
  // and vitest leaves paths under node_modules/ to Node rather than transforming them.
  const loader = path.join(installed.dir, "node_modules", ".switchyard-load.mjs");
  if (!existsSync(loader)) writeFileSync(loader, "export const load = (name) => import(name);\n");
  const { load } = (await import(pathToFileURL(loader).href)) as { load(name: string): Promise<any> };
  return { ok: true, dir: installed.dir, load };
}

/** `@scope/name@1.2.3` → `@scope/name`. */
function packageName(spec: string): string {
  const at = spec.indexOf("@", 1);
  return at === -1 ? spec : spec.slice(0, at);
}

/** A folder name for a set of specs: readable, and distinct for distinct sets. */
function folderName(specs: string[]): string {
  return specs.map((spec) => spec.replace(/^@/, "").replace(/[^A-Za-z0-9._@-]+/g, "+")).join("__");
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

async function installSpecs(specs: string[]): Promise<Installed<{ dir: string }>> {
  const name = folderName(specs);
  const dir = path.join(CLIENTS_DIR, name);
  const lock = path.join(CLIENTS_DIR, `${name}.lock`);
  mkdirSync(CLIENTS_DIR, { recursive: true });
  for (;;) {
    if (existsSync(path.join(dir, COMPLETE_MARKER))) return { ok: true, dir };
    if (takeLock(lock)) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  try {
    // Another worker may have finished between our look and taking the lock.
    if (existsSync(path.join(dir, COMPLETE_MARKER))) return { ok: true, dir };
    rmSync(dir, { recursive: true, force: true });
    const tmp = path.join(CLIENTS_DIR, `.tmp-${name}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const started = Date.now();
    const result = await runNpmInstall(tmp, specs);
    if (!result.ok) {
      rmSync(tmp, { recursive: true, force: true });
      return result;
    }
    writeFileSync(path.join(tmp, COMPLETE_MARKER), `${JSON.stringify({ specs, seconds: (Date.now() - started) / 1000 })}\n`);
    renameSync(tmp, dir);
    return { ok: true, dir };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** mkdir is atomic: one worker wins. A lock whose process is gone (killed mid-install) is taken over. */
function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(path.join(lock, "pid"), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  let pid = NaN;
  try {
    pid = Number(readFileSync(path.join(lock, "pid"), "utf8"));
  } catch {
    // Its pid is written just after mkdir: give a fresh lock a moment before calling it stale.
    const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
    if (since === undefined || Date.now() - since < 5000) return false;
  }
  if (Number.isInteger(pid) && isAlive(pid)) return false;
  rmSync(lock, { recursive: true, force: true });
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The environment npm runs with, less what an enclosing `npm`/`npx` exported about this project (its
 * prefix, package and lifecycle), which would make npm install into the project instead of `--prefix`.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (lower.startsWith("npm_package_") || lower.startsWith("npm_lifecycle_") || lower === "npm_command") continue;
    if (["npm_config_prefix", "npm_config_local_prefix", "npm_config_global", "npm_config_save", "npm_config_save_exact"].includes(lower)) continue;
    env[key] = value;
  }
  return env;
}

function runNpmInstall(prefix: string, specs: string[]): Promise<{ ok: true } | { ok: false; reason: string }> {
  const args = ["install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund", "--no-update-notifier", "--prefix", prefix, ...specs];
  return new Promise((resolve) => {
    const child = spawn("npm", args, { cwd: prefix, env: npmEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), INSTALL_TIMEOUT_MS);
    const what = `npm install ${specs.join(" ")}`;
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `${what}: ${oneLine(err.message)}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ ok: true });
      if (signal === "SIGKILL") return resolve({ ok: false, reason: `${what}: no result within ${INSTALL_TIMEOUT_MS / 1000} s` });
      // npm's own summary lines ("npm error code E404", "npm error 404 Not Found - GET …") say why; the log path does not.
      const errors = output
        .split("\n")
        .filter((line) => line.startsWith("npm error") && !/A complete log of this run|npm error (?:A )?log/i.test(line))
        .map((line) => line.replace(/^npm error\s*/, ""))
        .filter(Boolean)
        .slice(0, 3);
      resolve({ ok: false, reason: `${what} failed (exit ${code}): ${oneLine(errors.join("; ") || output.slice(-300))}` });
    });
  });
}
