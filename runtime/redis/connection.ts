// One Redis connection per process for state shared by every Switchyard instance (rate-limit buckets and
// circuit-breaker state, each with its own script). Redis is an accelerator, never a
// dependency: callers ask `available()` first and keep their own in-process state for when it says no.
//
// Why these ioredis options: `enableOfflineQueue: false` and `maxRetriesPerRequest: 0` make a command fail
// at once while the connection is down, instead of queueing requests behind a reconnect; `commandTimeout`
// bounds what a slow Redis can add to a request; `retryStrategy` keeps reconnecting in the background
// forever. A command that times out on a live connection (Redis busy, network stalls) puts the connection
// on a short cool-down, so the next requests go local at once rather than each paying the timeout.
// Scripts are loaded with SCRIPT LOAD on every (re)connect — a restarted Redis has forgotten them — and
// run with EVALSHA; the SHA1 is computed locally so a call never waits for the load's reply.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { appLog } from "../log/app-log.ts";

export interface RedisSettings {
  /** redis://[user:pass@]host:port[/db] or rediss://…; resolved at start. */
  readonly url: string;
  /** Prepended to every key, e.g. "switchyard:". */
  readonly keyPrefix: string;
  /** Share of a shared rate-limit bucket one instance may lease (runtime/rate-limit/leases.ts); default 0.1. */
  readonly rateLimitLease?: number;
  /** routes.yaml `redis.command_timeout_ms`: see SharedRedisOptions.commandTimeoutMs (which overrides it). */
  readonly commandTimeoutMs?: number;
}

export interface SharedRedisOptions {
  /** Longest a command may take before the caller falls back to local state. Default 50. */
  commandTimeoutMs?: number;
  /** After a command failure on a live connection, Redis is left alone this long. Default 1000. */
  coolDownMs?: number;
  /** Where outage and recovery notices go (once per outage). Default: the application log (warn, then info). */
  warn?: (message: string) => void;
}

/** A Lua script registered on a connection; run it with `SharedRedis.run`. */
export interface SharedScript {
  readonly lua: string;
  readonly sha: string;
}

export class SharedRedis {
  readonly keyPrefix: string;
  private readonly client: Redis;
  private readonly scripts: SharedScript[] = [];
  private readonly coolDownMs: number;
  private readonly notify: (level: "warn" | "info", message: string) => void;
  private readonly where: string;
  /** True from the first failure of an outage until a command succeeds again: one notice each way. */
  private down = false;
  /** Set after a failure on a connection that still looks ready: no commands before this time. */
  private retryAt = 0;
  private scriptsLoaded = false;
  private closed = false;

  constructor(settings: RedisSettings, options: SharedRedisOptions = {}) {
    this.keyPrefix = settings.keyPrefix;
    this.coolDownMs = options.coolDownMs ?? 1000;
    const warn = options.warn;
    this.notify = warn === undefined ? (level, message) => appLog[level]({ redis: this.where }, message) : (_level, message) => warn(message);
    // A literal url is checked at build time; one from the environment is checked here, before anything listens.
    if (!/^rediss?:\/\/[^/]/.test(settings.url)) {
      throw new Error(`redis url ${JSON.stringify(redactedUrl(settings.url))} is not redis://host:port or rediss://host:port`);
    }
    this.where = redactedUrl(settings.url);
    this.client = new Redis(settings.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs ?? settings.commandTimeoutMs ?? 50,
      connectTimeout: 1000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      // A replica that is still loading its data set answers LOADING; wait for it like for a reconnect.
      enableReadyCheck: true,
    });
    this.client.on("error", (error: Error) => this.failed(error));
    this.client.on("close", () => {
      this.scriptsLoaded = false;
      if (!this.down) this.failed(new Error("connection closed"));
    });
    this.client.on("ready", () => void this.loadScripts());
  }

  /** Registers a script (loaded now if connected, and again after every reconnect). */
  script(lua: string): SharedScript {
    const script = { lua, sha: createHash("sha1").update(lua).digest("hex") };
    this.scripts.push(script);
    // Until it is loaded, an EVALSHA would fail with NOSCRIPT and look like an outage: stay local meanwhile.
    if (this.client.status === "ready") {
      this.scriptsLoaded = false;
      void this.loadScripts();
    }
    return script;
  }

  /** Whether a command is worth sending now. False during an outage or a cool-down: use local state. */
  available(): boolean {
    return this.scriptsLoaded && this.client.status === "ready" && (this.retryAt === 0 || performance.now() >= this.retryAt);
  }

  /**
   * Runs a registered script atomically. Only call when `available()`; a rejection means "use local
   * state for this request" and has already been noted (the caller need not log it).
   */
  async run(script: SharedScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      const reply = await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
      if (this.down || this.retryAt !== 0) this.recovered();
      return reply;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("NOSCRIPT")) this.scriptsLoaded = false;
      this.failed(error as Error);
      if (!this.scriptsLoaded && this.client.status === "ready") void this.loadScripts();
      throw error;
    }
  }

  /** Resolves when the first connection is ready and scripts are loaded, or after `timeoutMs`, whichever is first. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.available()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        clearInterval(poll);
        resolve(false);
      }, timeoutMs);
      const poll = setInterval(() => {
        if (!this.available()) return;
        clearTimeout(timer);
        clearInterval(poll);
        resolve(true);
      }, 5);
    });
  }

  close(): void {
    this.closed = true;
    this.client.disconnect(false);
  }

  private async loadScripts(): Promise<void> {
    try {
      for (const script of this.scripts) await this.client.script("LOAD", script.lua);
      this.scriptsLoaded = true;
      if (this.down) this.recovered();
    } catch (error) {
      this.failed(error as Error);
    }
  }

  private failed(error: Error): void {
    if (this.closed) return;
    if (this.client.status === "ready") this.retryAt = performance.now() + this.coolDownMs;
    if (this.down) return;
    this.down = true;
    this.notify("warn", `redis at ${this.where} is unavailable (${error.message}); shared state falls back to this instance's local state until it returns`);
  }

  private recovered(): void {
    this.retryAt = 0;
    if (!this.down) return;
    this.down = false;
    this.notify("info", `redis at ${this.where} is back; shared state resumed`);
  }
}

/** The URL without its password, for log lines. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//***@");
  }
}
