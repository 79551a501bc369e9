// A port bound exclusively for a moment and released: a port another process holds fails here with a clear
// error, and port 0 becomes the concrete port the OS chose. The supervisor (runtime/cluster/) does this before
// its workers share the port; a single process with HTTPS does it for port 0, so that its listener is bound
// to a real port with SO_REUSEADDR (uSockets sets it only for a non-zero port) and can be re-bound on SIGHUP
// while connections it accepted are still open.
import { createServer } from "node:net";

/** The port `host:port` resolves to once bound exclusively, then released: a port in use fails here, before any worker starts. */
export function reservePort(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === "EADDRINUSE" ? `${host}:${port} is already in use` : `cannot listen on ${host}:${port}: ${error.message}`)),
    );
    probe.listen({ host, port, exclusive: true }, () => {
      const bound = (probe.address() as { port: number }).port;
      probe.close(() => resolve(bound));
    });
  });
}
