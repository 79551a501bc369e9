// Starting and stopping one CLI run. The command runs without a shell, in a process group of its own, so
// stopping it also stops whatever it started (a CLI is often a launcher: node, a wrapper script). Its
// environment is built from scratch: PATH and HOME (most CLIs need both to find themselves and their
// login), then the provider's `env`; the gateway's own keys (OPENAI_API_KEY, …) never reach it.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { CommandUpstream } from "./types.ts";

/** Time a run gets to exit after SIGTERM before the group is sent SIGKILL. */
export const KILL_GRACE_MS = 2000;

/** Process groups still running, stopped if the gateway exits first (they would outlive it otherwise). */
const running = new Set<number>();
let exitHookInstalled = false;

export function commandEnv(upstream: CommandUpstream, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  if (parent.PATH !== undefined) env.PATH = parent.PATH;
  if (parent.HOME !== undefined) env.HOME = parent.HOME;
  return Object.assign(env, upstream.env);
}

/**
 * Spawns the command with the prompt on stdin (closed after it) or as its last argument. Throws only for
 * arguments spawn itself rejects (a NUL byte); a missing executable arrives as the child's `error` event.
 */
export function spawnCommand(upstream: CommandUpstream, prompt: string): ChildProcessWithoutNullStreams {
  const args = upstream.prompt === "arg" ? [...upstream.args, prompt] : [...upstream.args];
  const child = spawn(upstream.command, args, { env: commandEnv(upstream), stdio: "pipe", detached: true, windowsHide: true });
  // A CLI that exits without reading its stdin makes the write fail with EPIPE; its exit status says what happened.
  child.stdin.on("error", () => {});
  if (upstream.prompt === "stdin") child.stdin.end(prompt);
  else child.stdin.end();
  const pid = child.pid;
  if (pid !== undefined) {
    installExitHook();
    running.add(pid);
    child.once("close", () => running.delete(pid));
  }
  return child;
}

/**
 * SIGTERM to the run's process group, then SIGKILL after KILL_GRACE_MS unless it has closed. Its stdout is
 * dropped at once: a paused stream (a slow client) would otherwise hold the run's `close` back forever.
 */
export function stopCommand(child: ChildProcessWithoutNullStreams): void {
  child.stdout.destroy();
  const pid = child.pid;
  if (pid === undefined || !running.has(pid)) return;
  signalGroup(pid, "SIGTERM");
  const escalate = setTimeout(() => {
    if (running.has(pid)) signalGroup(pid, "SIGKILL");
  }, KILL_GRACE_MS);
  child.once("close", () => clearTimeout(escalate));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pid of running) signalGroup(pid, "SIGTERM");
  });
}
