// uWebSockets.js, loaded from its native binary only. The package's own entry silently swaps in a partial
// node:http shim when no binary matches the running Node's ABI (this build ships Node ≤ 20's, ABI 115); that
// shim lacks onWritable and getRemoteAddressAsText, so the gateway must never run on it. Loading the binary
// directly tells the two cases apart, and select.ts then chooses the real node:http backend (node/).
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import path from "node:path";
import type uWSModule from "uWebSockets.js";
import type { AppOptions, us_listen_socket, us_socket } from "uWebSockets.js";
import type { HttpServer } from "./types.ts";

type Uws = typeof uWSModule;

/** uWS's ListenOptions value (its typings declare the enum but the module exports only the number). */
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;

/** The native module, or why it cannot be loaded on this Node (no binary for its ABI, or a binary that fails to load). */
export function loadNativeUws(): { ok: true; uws: Uws; file: string } | { ok: false; reason: string } {
  const requireNative = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = path.dirname(requireNative.resolve("uWebSockets.js/package.json"));
  } catch {
    return { ok: false, reason: "the uWebSockets.js package is not installed" };
  }
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  // This package keeps its binaries in binaries/; upstream releases keep them at the package root.
  const file = [path.join(dir, "binaries", name), path.join(dir, name)].find((candidate) => existsSync(candidate));
  if (file === undefined) return { ok: false, reason: `uWebSockets.js has no native binary for Node ${process.version} (ABI ${process.versions.modules}, ${process.platform}-${process.arch})` };
  try {
    return { ok: true, uws: requireNative(file) as Uws, file };
  } catch (error) {
    return { ok: false, reason: `uWebSockets.js's ${name} does not load: ${(error as Error).message.split("\n")[0]}` };
  }
}

export function createUwsServer(uws: Uws, options?: AppOptions): HttpServer {
  // uWS aborts the process on an undefined options argument: App() takes none or an object.
  const app = options === undefined ? uws.App() : options.key_file_name !== undefined ? uws.SSLApp(options) : uws.App(options);
  return {
    app,
    listen(host, port, shared) {
      // uWS sets SO_REUSEPORT unless told the port is exclusive: workers share theirs on purpose.
      const listenOptions = shared ? 0 : LIBUS_LISTEN_EXCLUSIVE_PORT;
      return new Promise((resolve) => {
        /* uWS: listen(host, port, options, cb) is in the native module though its typings list only (port, options, cb). */
        (app as unknown as { listen(host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void): void }).listen(host, port, listenOptions, (socket) => {
          if (!socket) return resolve(null);
          resolve({ port: uws.us_socket_local_port(socket as unknown as us_socket), close: () => uws.us_listen_socket_close(socket) });
        });
      });
    },
  };
}
