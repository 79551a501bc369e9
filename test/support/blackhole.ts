// A loopback port where TCP connects hang: a socket that listens with the smallest backlog and never
// accepts. Once its accept queue is full (filled here by two idle connections), the kernel drops further
// SYNs, so a client's connect neither succeeds nor is refused: only its connect timeout ends it.
// Node cannot listen without accepting, so the listener is a three-line python3 process.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { once } from "node:events";

export interface Blackhole {
  readonly port: number;
  close(): Promise<void>;
}

const LISTENER = `
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
print(s.getsockname()[1], flush=True)
sys.stdin.read()
`;

export async function startBlackhole(): Promise<Blackhole> {
  const child: ChildProcess = spawn("python3", ["-c", LISTENER], { stdio: ["pipe", "pipe", "inherit"] });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  // Fill the accept queue; connects beyond it hang in SYN_SENT.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    fillers.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  return {
    port,
    async close() {
      for (const socket of fillers) socket.destroy();
      child.stdin!.end();
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}
