// What `node dist/<env>/server.mjs --help` and `--version` print: the bundle is run directly (a container's
// CMD, a service unit), where the CLI's help is not at hand. The version is the package's that built the
// bundle (package.json's `version`, inlined by esbuild, which keeps only the fields named in an import: the
// rest of package.json stays out of the bundle, and no file is read at run time).
import path from "node:path";
import { version } from "../package.json";

export const VERSION: string = version;

export function usageText(bundle: string | undefined): string {
  const shown = bundle === undefined ? "dist/<env>/server.mjs" : path.relative(process.cwd(), bundle) || bundle;
  return `Usage: node ${shown} [--host HOST] [--port PORT] [--workers N|auto] [--watch]

Runs the Switchyard ${VERSION} gateway compiled into this file by \`switchyard build\`: routes.yaml, schema/ and
the compiler are not needed here, only the uWebSockets.js package (and better-sqlite3 for a SQLite store).

Options:
  --host HOST         listen address (default SWITCHYARD_HOST, else routes.yaml's server.host)
  --port PORT         listen port, 0 for any free one (default SWITCHYARD_PORT, else routes.yaml's server.port)
  --workers N|auto    processes sharing the port, auto for one per core (default SWITCHYARD_WORKERS, else 1)
  --watch             supervise the workers (even one) and reload them when this file is rebuilt
  -h, --help          print this and exit
  -v, --version       print the version and exit

Environment, read at start:
  the provider keys routes.yaml names (\${OPENAI_API_KEY} …); a provider whose key is empty is skipped
  SWITCHYARD_STORE        client keys and spend: sqlite:PATH or postgres://… (default: routes.yaml's store)
  SWITCHYARD_ADMIN_KEY    guards /admin/keys, the dashboard's data and, with client keys required, /metrics
  SWITCHYARD_LOG_LEVEL    trace, debug, info (default), warn, error, fatal or silent
  SWITCHYARD_LOG_FORMAT   json (default on a pipe) or pretty (default on a terminal)

SIGTERM or SIGINT: stop accepting, finish in-flight requests, flush the request log, exit 0.
SIGHUP: with workers, start this file's new build and retire the old workers; alone, re-read the certificate.
Exit 1: the gateway could not start (a missing variable, a port in use), and says why.
`;
}
