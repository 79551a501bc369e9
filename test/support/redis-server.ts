// A throwaway redis-server (the Debian package; .ci/run installs it) on a free loopback port, without
// persistence, for tests of state shared through Redis. `stop()` kills it (SIGKILL when asked: a crash, as
// a test of the gateway's fallback wants) and `start()` brings it back on the same port, empty.
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { freePort } from "./free-port.ts";

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Starts (again) on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it; resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Output so far, for failure messages. */
  output(): string;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = "";
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (child !== null) return;
      const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"];
      const started = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
      child = started;
      started.stdout!.on("data", (d) => (output += d));
      started.stderr!.on("data", (d) => (output += d));
      started.once("exit", () => {
        if (child === started) child = null;
      });
      const deadline = Date.now() + 10_000;
      while (!(await accepts(port))) {
        if (child === null || Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop(signal = "SIGTERM") {
      const running = child;
      if (running === null || running.exitCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        running.once("exit", () => resolve());
        running.kill(signal);
      });
    },
    output: () => output,
  };
  await server.start();
  return server;
}

/** Whether a Redis on `port` answers PING. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.setTimeout(500);
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => {
      socket.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
