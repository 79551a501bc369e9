// Builds a fixture routes.yaml into test/.build/<case>/ and runs the bundle as a real child process,
// exactly as `switchyard serve` would, with the environment the test gives it.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildConfig } from "../../generator/build.ts";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The Node that runs the bundles: SWITCHYARD_TEST_NODE (a Node 22 or 24 binary, as .ci/run fetches them) or
 * the one running the tests. SWITCHYARD_HTTP_BACKEND (uws|node) is passed on to every bundle started here.
 */
export const bundleNode = process.env.SWITCHYARD_TEST_NODE || process.execPath;

/**
 * node_modules with native addons (better-sqlite3) built for `bundleNode`: SWITCHYARD_TEST_NODE_MODULES, or
 * the project's own. A bundle's external imports resolve from where it lies, so with another node_modules the
 * bundles run from copies in the folder beside it.
 */
export const bundleNodeModules = process.env.SWITCHYARD_TEST_NODE_MODULES || path.join(root, "node_modules");

/** The variables from the test's environment that every bundle gets. */
export function bundleEnv(): Record<string, string> {
  const backend = process.env.SWITCHYARD_HTTP_BACKEND;
  return backend ? { SWITCHYARD_HTTP_BACKEND: backend } : {};
}

/** `bundle`, or its copy beside SWITCHYARD_TEST_NODE_MODULES (made once per bundle and content). */
export function runnableBundle(bundle: string): string {
  if (!process.env.SWITCHYARD_TEST_NODE_MODULES) return bundle;
  const digest = createHash("sha256").update(readFileSync(bundle)).digest("hex").slice(0, 16);
  const copy = path.join(path.dirname(bundleNodeModules), "bundles", digest, "server.mjs");
  if (!existsSync(copy)) {
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(bundle, copy);
  }
  return copy;
}

export interface BuiltCase {
  bundle: string;
  generatedDir: string;
}

/** `configFile` relative to the project root; output under test/.build/<name>/. */
export async function buildCase(name: string, configFile: string, env = "dev"): Promise<BuiltCase> {
  const generatedDir = `test/.build/${name}/generated`;
  // SWITCHYARD_TEST_PREBUILT=1: .ci/run's runs on other Node versions, right after the suite built every case
  // from the same tree, take those bundles instead of building each again (the build does not depend on the
  // Node that runs the bundle).
  const prebuilt = path.join(root, `test/.build/${name}/dist/server.mjs`);
  if (process.env.SWITCHYARD_TEST_PREBUILT === "1" && existsSync(prebuilt)) return { bundle: prebuilt, generatedDir: path.join(root, generatedDir) };
  // No type-check per fixture: test/generator/fixtures-typecheck.test.ts checks every fixture's generated code in
  // one program, which costs about what one of these would (most of a check is the runtime's own types).
  const result = await buildConfig({ root, outDir: root, configFile, env, write: true, generatedDir, distDir: `test/.build/${name}/dist`, typeCheck: false });
  if (!result.ok) throw new Error(`build of ${configFile} failed:\n${result.report}`);
  return { bundle: result.bundlePath!, generatedDir: path.join(root, generatedDir) };
}

export interface RunningGateway {
  /** http://127.0.0.1:PORT, or https:// when the gateway said it serves HTTPS. */
  url: string;
  port: number;
  /** Working directory of the process: its logs/ folder is here. */
  cwd: string;
  process: ChildProcess;
  output(): string;
  /** All request-log records written so far, in order. */
  logRecords(): Array<Record<string, any>>;
  /** Waits until at least `n` records are in the log (logging is asynchronous by design). */
  waitForLogRecords(n: number, timeoutMs?: number): Promise<Array<Record<string, any>>>;
  /**
   * The number of log records once it has stopped changing: lines are written after the response, off the
   * request path, so a test that counts its own lines first lets the previous test's lines land.
   */
  settledLogCount(): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function readLogRecords(dir: string): Array<Record<string, any>> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".jsonl")).sort();
  } catch {
    return [];
  }
  // Only complete lines: the writer may be mid-line when a test reads, and the part after the last newline is
  // either "" or a record still being written.
  return files.flatMap((f) =>
    readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .slice(0, -1)
      .filter(Boolean)
      .map((line) => JSON.parse(line)),
  );
}

export async function startGateway(bundle: string, env: Record<string, string>, options: { cwd?: string; args?: string[] } = {}): Promise<RunningGateway> {
  const cwd = options.cwd ?? mkdtempSync(path.join(tmpdir(), "switchyard-e2e-"));
  mkdirSync(cwd, { recursive: true });
  const child = spawn(bundleNode, [runnableBundle(bundle), "--host", "127.0.0.1", "--port", "0", ...(options.args ?? [])], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...bundleEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let scheme = "http";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 15_000);
    const check = () => {
      const match = /listening on (https?):\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        scheme = match[1]!;
        resolve(Number(match[2]));
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before listening:\n${output}`));
    });
  });
  // A run meant for one backend must not pass on the other: the startup line names the one in use.
  const wanted = bundleEnv().SWITCHYARD_HTTP_BACKEND;
  if (wanted !== undefined && !output.includes(`"http_backend":"${wanted}"`)) {
    child.kill("SIGKILL");
    throw new Error(`gateway did not start on the ${wanted} backend:\n${output}`);
  }
  const logDir = path.join(cwd, "logs");
  const gateway: RunningGateway = {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    cwd,
    process: child,
    output: () => output,
    logRecords: () => readLogRecords(logDir),
    async waitForLogRecords(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const records = readLogRecords(logDir);
        if (records.length >= n) return records;
        if (Date.now() > deadline) throw new Error(`expected ${n} log records, found ${records.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async settledLogCount() {
      let last = -1;
      for (let stable = 0; stable < 3; ) {
        const count = readLogRecords(logDir).length;
        stable = count === last ? stable + 1 : 0;
        last = count;
        await new Promise((r) => setTimeout(r, 40));
      }
      return last;
    },
    stop(signal = "SIGTERM") {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
  return gateway;
}

/**
 * The process's output with each application-log line (JSON, runtime/log/app-log.ts) reduced to its
 * message, one a line, so a test can match what was said without JSON string escaping in the way.
 */
export function logMessages(output: string): string {
  return output
    .split("\n")
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: unknown };
        return typeof entry.msg === "string" ? entry.msg : line;
      } catch {
        return line;
      }
    })
    .join("\n");
}

/** Runs a bundle expecting it to fail at start; resolves with its exit code and output. */
export function runToExit(bundle: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(bundleNode, [runnableBundle(bundle), "--port", "0"], { env: { PATH: process.env.PATH ?? "", ...bundleEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The `n` request-log records written after the first `from` (a test counts the log first, then reads its own). */
export async function logRecordsAfter(gw: RunningGateway, from: number, n: number): Promise<Array<Record<string, any>>> {
  return (await gw.waitForLogRecords(from + n)).slice(from);
}

/**
 * Runs one request through `gw` and returns what it resolved or threw, how long the client waited (ms) and the
 * request-log record it left.
 */
export async function logged<T>(gw: RunningGateway, run: () => Promise<T>): Promise<{ result: T | undefined; error: any; record: Record<string, any>; elapsed: number }> {
  const before = await gw.settledLogCount();
  const started = performance.now();
  let result: T | undefined;
  let error: unknown;
  try {
    result = await run();
  } catch (e) {
    error = e;
  }
  const elapsed = performance.now() - started;
  const records = await gw.waitForLogRecords(before + 1);
  return { result, error, record: records[before]!, elapsed };
}
