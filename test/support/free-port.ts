// Loopback ports for tests: bind port 0, read the port the OS chose, close. The port stays free until
// something else binds it, so use it at once (another process could take it in between; on loopback in a
// test run that is rare enough to accept).
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";

/** A port on 127.0.0.1 that was free a moment ago, e.g. for starting the gateway on a known port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** A port on 127.0.0.1 with nothing listening: connecting to it fails with ECONNREFUSED. */
export function refusedPort(): Promise<number> {
  return freePort();
}
