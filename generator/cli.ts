// switchyard check [FILE] [--env NAME] [--strict-prices]   validate and type-check routes.yaml, write nothing (CI's fast path)
// switchyard build [FILE] [--env NAME] [--strict-prices]   generate generated/<env>/ and bundle dist/<env>/server.mjs
// switchyard serve [--env NAME] [--host H] [--port N] [--workers N]   run dist/<env>/server.mjs, one process per core; reloads on SIGHUP and on a rebuild
// switchyard keys create|list|show|update|revoke|rotate   client keys in the store (generator/cli-keys.ts)
// switchyard logs tail|show, switchyard usage   the request log, read from its sink (generator/cli-logs.ts)
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command } from "commander";
import { keysCommand } from "./cli-keys.ts";
import { logsCommand, usageCommand } from "./cli-logs.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

interface CompileOptions {
  env: string;
  strictPrices?: boolean;
}

async function compile(file: string, opts: CompileOptions, write: boolean): Promise<void> {
  const { env } = opts;
  const started = performance.now();
  // Imported here: the compiler (esbuild, ts-morph) takes a second to load, which `keys`, `logs` and `usage` never need.
  const { buildConfig } = await import("./build.ts");
  const result = await buildConfig({ root, configFile: file, env, write, strictPrices: opts.strictPrices === true });
  if (result.report) process.stderr.write(`${result.report}\n`);
  if (!result.ok) process.exit(1);
  const ms = Math.round(performance.now() - started);
  const routes = result.ir?.routes.length ?? 0;
  if (write) console.log(`built ${path.relative(process.cwd(), result.bundlePath!)} from ${file} (env ${env}, ${routes} routes) in ${ms} ms`);
  else console.log(`${file} (env ${env}): ${routes} routes, ok (${ms} ms)`);
}

const program = new Command("switchyard").description("Compile routes.yaml into an LLM gateway bundle, and serve it.");

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
  .option("--strict-prices", "a target without a price is an error, not a warning")
  .description("generate code and bundle dist/<env>/server.mjs")
  .action((file: string, opts: CompileOptions) => compile(file, opts, true));

program
  .command("serve")
  .option("--env <name>", "environment", "dev")
  .option("--host <host>", "listen address (default from routes.yaml)")
  .option("--port <port>", "listen port (default from routes.yaml)")
  .option("--workers <n>", "processes sharing the port: a number, or auto for one per core (default SWITCHYARD_WORKERS, else auto)")
  .description("run the built bundle of an environment; SIGHUP or a rebuild reloads it without dropping requests")
  .action(async (opts: { env: string; host?: string; port?: string; workers?: string }) => {
    const bundle = path.join(root, "dist", opts.env, "server.mjs");
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
