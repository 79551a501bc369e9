// Why a listen failed. uWS says only that it did (a false socket, no errno), so a plain Node socket tries
// the same address to learn the reason: the usual one, a port another process holds, gets a message that
// says so. Only on the failure path, once, before the process exits.
import { createServer } from "node:net";

export function listenFailure(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "EADDRINUSE" ? `${host}:${port} is already in use: another process listens there (stop it, or pick another --port)` : `cannot listen on ${host}:${port}: ${error.message}`),
    );
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(`cannot listen on ${host}:${port}`)));
  });
}
