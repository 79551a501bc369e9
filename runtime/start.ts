// The bundle's entry: `node dist/<env>/server.mjs [--host H] [--port N]`. Generated index.ts calls this with
// the environment's compiled Gateway; start-up errors (a missing environment variable, a port in use) are
// printed plainly and exit 1 before anything listens.
import { parseArgs } from "node:util";
import type { Gateway } from "./contract.ts";
import { StartupError } from "./env.ts";
import { isLoopback, startServer, type StartOptions } from "./server.ts";
import { endpointText } from "./observe/endpoint-text.ts";

export async function main(build: () => Gateway, argv = process.argv.slice(2), options: StartOptions = {}): Promise<void> {
  let gateway: Gateway;
  let host: string;
  let port: number;
  try {
    const { values } = parseArgs({ args: argv, options: { host: { type: "string" }, port: { type: "string" } } });
    gateway = build();
    host = values.host ?? process.env.SWITCHYARD_HOST ?? gateway.server.host;
    port = Number(values.port ?? process.env.SWITCHYARD_PORT ?? gateway.server.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError(`cannot start: bad port ${JSON.stringify(values.port ?? process.env.SWITCHYARD_PORT)}`);
  } catch (error) {
    console.error(error instanceof StartupError ? error.message : `cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  for (const upstream of gateway.upstreams) {
    if (upstream.kind === "http" && !upstream.enabled) {
      console.error(`warning: provider ${upstream.name} has an empty api key; its targets are skipped`);
    }
  }
  let server;
  try {
    server = await startServer(gateway, { host, port }, options);
  } catch (error) {
    console.error(`cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log(`switchyard (${gateway.env}) listening on http://${server.host}:${server.port}`);
  const keyCount = `${server.keyCount} key${server.keyCount === 1 ? "" : "s"} in ${server.store.where}`;
  if (server.authRequired) {
    console.log(`switchyard: client keys required (${keyCount})`);
    if (server.keyCount === 0) console.error("warning: no client keys exist yet, so every model request gets 401: create one with `switchyard keys create --name NAME`");
  } else {
    console.log(`switchyard: client keys not required${gateway.access.auth === "auto" ? " on a loopback listener" : ""} (${keyCount})`);
    if (!isLoopback(server.host)) console.error(`warning: auth.required is false and ${server.host} is not loopback-only: anyone who reaches this port can spend your provider keys`);
  }
  if (gateway.telemetry !== undefined) console.log(`switchyard: traces to ${endpointText(gateway.telemetry.endpoint)} (OTLP/HTTP, sample ratio ${gateway.telemetry.sampleRatio})`);
  const stop = (signal: string) => {
    console.log(`switchyard: ${signal}, draining in-flight requests`);
    void server.shutdown().then(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}
