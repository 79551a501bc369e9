// Builds a command provider once at start, from values the generator inlined and the environment resolved:
// checked, copied and frozen, with the provider's own concurrency limiter.
import { StartupError } from "../env.ts";
import { createConcurrencyLimiter } from "./limiter.ts";
import type { CommandUpstream } from "./types.ts";

export interface CommandUpstreamOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly prompt: "stdin" | "arg";
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  /** Requests that may wait for a slot before further ones are turned away as busy; default 4 × maxConcurrent. */
  readonly maxQueued?: number;
  readonly env: Readonly<Record<string, string>>;
}

export function createCommandUpstream(options: CommandUpstreamOptions): CommandUpstream {
  const problem = (what: string) => new StartupError(`cannot start: provider ${options.name}: ${what}`);
  if (options.command === "") throw problem("command is empty");
  if (!(options.timeoutMs > 0)) throw problem(`timeout must be positive, got ${options.timeoutMs}`);
  if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) throw problem(`max_concurrent must be a positive integer, got ${options.maxConcurrent}`);
  const maxQueued = options.maxQueued ?? 4 * options.maxConcurrent;
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw problem(`max_queued must be a non-negative integer, got ${maxQueued}`);
  return Object.freeze({
    kind: "command" as const,
    name: options.name,
    command: options.command,
    args: Object.freeze([...options.args]),
    prompt: options.prompt,
    timeoutMs: options.timeoutMs,
    maxConcurrent: options.maxConcurrent,
    env: Object.freeze({ ...options.env }),
    limiter: createConcurrencyLimiter(options.maxConcurrent, maxQueued),
  });
}
