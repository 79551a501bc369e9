// switchyard init [DIR]   write a starter routes.yaml and its demo scenario (generator/init.ts)
// switchyard check [FILE] [--env NAME] [--strict-prices]   validate and type-check routes.yaml, write nothing (CI's fast path)
// switchyard build [FILE] [--env NAME] [--out DIR] [--strict-prices]   generate generated/<env>/ and bundle dist/<env>/server.mjs
// switchyard serve [--env NAME] [--config FILE] [--out DIR] [--host H] [--port N] [--workers N]   run dist/<env>/server.mjs, one process per core; reloads on SIGHUP and on a rebuild
// switchyard keys create|list|show|update|revoke|rotate   client keys in the store (generator/cli-keys.ts)
// switchyard logs tail|show, switchyard usage   the request log, read from its sink (generator/cli-logs.ts)
//
// Every path is the user's: FILE resolves against the current directory, and generated/ and dist/ go next to
// it (or under --out DIR), wherever the package itself is installed. Only the compiler's own inputs (runtime/,
// schema/, dashboard/, tsconfig.json) come from the package.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command } from "commander";
import type { BuildProgress, BuildStage } from "./build.ts";
import { keysCommand } from "./cli-keys.ts";
import { logsCommand, usageCommand } from "./cli-logs.ts";
import { initProject } from "./init.ts";

/** The package: where runtime/, schema/ and tsconfig.json are. Never where the user's files are. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const version = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;

interface CompileOptions {
  env: string;
  out?: string;
  strictPrices?: boolean;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * One line per stage on stderr, its name written when it starts (a type-check takes seconds, and whoever
 * watches should see which stage it is in) and what it produced with its time when it ends.
 */
function progressLines(out: NodeJS.WriteStream = process.stderr): BuildProgress & { begin(stage: BuildStage): void } {
  let current: BuildStage | null = null;
  let started = 0;
  const begin = (stage: BuildStage) => {
    if (current === stage) return;
    current = stage;
    started = performance.now();
    out.write(`  ${stage.padEnd(11)} `);
  };
  return {
    begin,
    start: begin,
    end(stage, _ms, detail) {
      if (current !== stage) begin(stage);
      current = null;
      out.write(`${seconds(performance.now() - started).padStart(7)}  ${detail}\n`);
    },
  };
}

/** The config file the user meant, or a way out when there is none here. */
function configOrExit(file: string, command: string): string {
  if (existsSync(file)) return file;
  const dir = path.dirname(path.resolve(file));
  if (file === "routes.yaml") console.error(`switchyard ${command}: no routes.yaml in ${dir}: \`switchyard init\` writes a starter one, or name your config: \`switchyard ${command} FILE\``);
  else console.error(`switchyard ${command}: ${file} does not exist (looked in ${dir})`);
  process.exit(1);
}

async function compile(file: string, opts: CompileOptions, write: boolean): Promise<void> {
  const { env } = opts;
  configOrExit(file, write ? "build" : "check");
  const started = performance.now();
  const outDir = path.resolve(opts.out ?? path.dirname(path.resolve(file)));
  const progress = progressLines();
  process.stderr.write(`switchyard ${write ? "build" : "check"} ${file} (env ${env})\n`);
  // "load" includes loading the compiler itself (esbuild, ts-morph, TypeScript): a second or two that
  // `keys`, `logs` and `usage` never pay, so it is imported here.
  progress.begin("load");
  const { buildConfig } = await import("./build.ts");
  const result = await buildConfig({ root, outDir, configFile: file, env, write, strictPrices: opts.strictPrices === true, progress });
  if (result.report) process.stderr.write(`${result.report}\n`);
  if (!result.ok) process.exit(1);
  const ms = Math.round(performance.now() - started);
  const routes = result.ir?.routes.length ?? 0;
  if (write) console.log(`built ${path.relative(process.cwd(), result.bundlePath!)} from ${file} (env ${env}, ${routes} routes) in ${ms} ms`);
  else console.log(`${file} (env ${env}): ${routes} routes, ok (${ms} ms)`);
}

const program = new Command("switchyard")
  .description("Compile routes.yaml into an LLM gateway bundle, and serve it.")
  .version(version, "-v, --version", "print the version")
  .showHelpAfterError();

program
  .command("init")
  .argument("[dir]", "folder to write into", ".")
  .description("write a starter routes.yaml and the offline demo's scenario (never overwrites a file)")
  .action((dir: string) => {
    const result = initProject(root, dir);
    if (!result.ok) {
      console.error(`switchyard init: ${result.existing.join(" and ")} already exist${result.existing.length === 1 ? "s" : ""} in ${path.resolve(dir)}; nothing was written (move ${result.existing.length === 1 ? "it" : "them"} away, or init another folder)`);
      process.exit(1);
    }
    const cd = path.resolve(dir) === process.cwd() ? "" : `cd ${dir} && `;
    console.log(`wrote ${result.written.join(" and ")} in ${path.resolve(dir)}

next:
  ${cd}npx switchyard build     compile routes.yaml into dist/dev/server.mjs
  ${cd}npx switchyard serve     serve it on http://127.0.0.1:8787, where model "demo" answers offline

then, in another terminal:
  curl -s http://127.0.0.1:8787/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"demo","messages":[{"role":"user","content":"Hi"}]}'`);
  });

program
  .command("check")
  .argument("[file]", "config file", "routes.yaml")
  .option("--env <name>", "environment", "dev")
  .option("--strict-prices", "a target without a price is an error, not a warning")
  .description("validate and type-check the config without writing anything")
  .action((file: string, opts: CompileOptions) => compile(file, opts, false));

program
  .command("build")
  .argument("[file]", "config file", "routes.yaml")
  .option("--env <name>", "environment", "dev")
  .option("--out <dir>", "folder for generated/ and dist/ (default: the config file's folder)")
  .option("--strict-prices", "a target without a price is an error, not a warning")
  .description("generate code and bundle dist/<env>/server.mjs next to the config")
  .action((file: string, opts: CompileOptions) => compile(file, opts, true));

program
  .command("serve")
  .option("--env <name>", "environment", "dev")
  .option("--config <file>", "config whose build to serve: dist/<env>/ is looked for next to it", "routes.yaml")
  .option("--out <dir>", "folder holding dist/ (default: the config file's folder)")
  .option("--host <host>", "listen address (default from routes.yaml)")
  .option("--port <port>", "listen port (default from routes.yaml)")
  .option("--workers <n>", "processes sharing the port: a number, or auto for one per core (default SWITCHYARD_WORKERS, else auto)")
  .description("run the built bundle of an environment; SIGHUP or a rebuild reloads it without dropping requests")
  .action(async (opts: { env: string; config: string; out?: string; host?: string; port?: string; workers?: string }) => {
    const bundle = path.resolve(opts.out ?? path.dirname(path.resolve(opts.config)), "dist", opts.env, "server.mjs");
    if (!existsSync(bundle)) {
      console.error(`${path.relative(process.cwd(), bundle)} does not exist: run \`switchyard build --env ${opts.env}\` first`);
      process.exit(1);
    }
    // The bundle parses these itself. It supervises copies of itself (runtime/cluster/), even just one, which
    // share the port: so SIGHUP, or a rebuild of the bundle (--watch), reloads them without dropping a request.
    process.argv = [process.argv[0]!, bundle, ...(opts.host ? ["--host", opts.host] : []), ...(opts.port ? ["--port", opts.port] : []), "--workers", opts.workers ?? (process.env.SWITCHYARD_WORKERS || "auto"), "--watch"];
    await import(pathToFileURL(bundle).href);
  });

program.addCommand(keysCommand());
program.addCommand(logsCommand());
program.addCommand(usageCommand());

await program.parseAsync();
