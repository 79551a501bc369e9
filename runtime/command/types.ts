// The `command` provider: a local CLI that reads a prompt and answers on stdout (e.g. `claude -p`). Built
// once at start by createCommandUpstream (upstream.ts); the request path only reads it.
import type { ConcurrencyLimiter } from "./limiter.ts";

export interface CommandUpstream {
  readonly kind: "command";
  readonly name: string;
  /** Executable, run without a shell: a name looked up on PATH, or a path. */
  readonly command: string;
  readonly args: readonly string[];
  /**
   * How the prompt reaches the CLI: written to stdin (then closed), or appended as the last argument. An
   * argument is limited in size (128 KiB on Linux; beyond it the spawn fails and the route falls back).
   */
  readonly prompt: "stdin" | "arg";
  /**
   * Bounds one run, from spawn until the process has exited: then SIGTERM, and SIGKILL 2 s later. Waiting
   * for a free slot is bounded by the same value, separately, so a run that starts late still gets its
   * whole time: cutting an answer short (no fallback once output started) is worse than a late one.
   */
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  /** Set over a minimal environment (PATH, HOME); the gateway's own environment is never passed on. */
  readonly env: Readonly<Record<string, string>>;
  readonly limiter: ConcurrencyLimiter;
}
