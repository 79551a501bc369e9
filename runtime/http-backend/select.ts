// Which HTTP server a gateway runs on, chosen once at start: uWebSockets.js when its native binary loads on
// this Node, else node:http (node/) with the same handlers. SWITCHYARD_HTTP_BACKEND=uws|node forces one;
// forcing uws where it cannot load is a start-up error rather than a silent swap.
import { StartupError } from "../env.ts";
import { createNodeServer, hasReusePort } from "./node/server.ts";
import type { HttpBackend } from "./types.ts";
import { createUwsServer, loadNativeUws } from "./uws.ts";

export const BACKEND_VARIABLE = "SWITCHYARD_HTTP_BACKEND";

export function selectHttpBackend(env: NodeJS.ProcessEnv = process.env): HttpBackend {
  const wanted = env[BACKEND_VARIABLE] ?? "";
  if (wanted !== "" && wanted !== "uws" && wanted !== "node") {
    throw new StartupError(`cannot start: ${BACKEND_VARIABLE}=${JSON.stringify(wanted)} is not one of uws, node (or unset: uws where it loads, else node)`);
  }
  if (wanted === "node") return nodeBackend(`${BACKEND_VARIABLE}=node`);
  const native = loadNativeUws();
  if (native.ok) {
    return { name: "uws", description: `uWebSockets.js (native, Node ${process.version})`, createServer: (options) => createUwsServer(native.uws, options) };
  }
  if (wanted === "uws") throw new StartupError(`cannot start: ${BACKEND_VARIABLE}=uws but ${native.reason}`);
  return nodeBackend(native.reason);
}

function nodeBackend(why: string): HttpBackend {
  const workers = hasReusePort() ? "workers share the port with SO_REUSEPORT" : "workers share the port through the cluster primary (no reusePort before Node 22.12)";
  return { name: "node", description: `node:http (${why}; ${workers})`, createServer: createNodeServer };
}
