// The bounded wait for one HTTP provider's connections. undici's Pool queues a request beyond its
// `connections` without limit and without telling anyone: at 1000 concurrent 1-second streams on 128
// connections the p99 was 8.4 s. So the gateway counts its own attempts per provider. While fewer than
// `max_connections` are in flight, an attempt goes straight to the pool: a compare and an increment,
// nothing allocated, no timer. Beyond that it waits here, first come first served, at most `max` waiters
// for at most `timeoutMs` each; a newcomer that finds the queue full, or a waiter whose time runs out, is
// turned away so the target walk moves on (the next target, else a 503 with Retry-After).
//
// Counted: attempts of the model endpoints (chat, messages, responses, embeddings, completions). Requests
// that use the pool directly (pass-through, count_tokens, the upstream model lists) are not, so undici may
// still queue a few of its own behind them.
import { deadlines, type Deadline } from "../timers/deadline-wheel.ts";

/** What a waiter hears: a connection is its own now, or why it was turned away. */
export type QueueWait = "ready" | "full" | "timeout" | "gone";

/** The part of the client's response the wait watches: a client that leaves stops waiting. */
export interface AbortWatch {
  readonly aborted: boolean;
  onAbort(handler: (() => void) | null): void;
}

/** How long a client turned away is asked to wait before it tries again. */
export const QUEUE_RETRY_AFTER_MS = 1000;

class Waiter {
  timer: Deadline | null = null;
  constructor(
    readonly resolve: (result: QueueWait) => void,
    readonly client: AbortWatch,
  ) {}
}

export class ConnectionQueue {
  /** Attempts holding (or about to take) one of the pool's connections. */
  inFlight = 0;
  /** Turned away since start: the queue was full, or the wait ran out. */
  rejectedFull = 0;
  rejectedTimeout = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    /** The pool's size: `max_connections`. */
    readonly maxInFlight: number,
    /** `queue.max`: waiters beyond this are turned away at once. */
    readonly maxQueued: number,
    /** `queue.timeout_ms`. */
    readonly timeoutMs: number,
  ) {}

  /** Requests waiting for a connection now. */
  get depth(): number {
    return this.waiters.length;
  }

  /**
   * Takes a connection when one is free. While anyone waits none is free: release() hands each freed
   * connection to the first waiter, so a newcomer cannot overtake the queue.
   */
  tryAcquire(): boolean {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return true;
    }
    return false;
  }

  /** Waits for a connection after tryAcquire() said none is free. */
  wait(client: AbortWatch): Promise<QueueWait> {
    if (client.aborted) return Promise.resolve("gone");
    if (this.waiters.length >= this.maxQueued) {
      this.rejectedFull++;
      return Promise.resolve("full");
    }
    return new Promise((resolve) => {
      const waiter = new Waiter(resolve, client);
      this.waiters.push(waiter);
      // On the deadline wheel: it fires at least timeoutMs after, at most one 25 ms tick later.
      waiter.timer = deadlines.schedule(this.timeoutMs, () => {
        if (!this.remove(waiter)) return;
        this.rejectedTimeout++;
        client.onAbort(null);
        resolve("timeout");
      });
      client.onAbort(() => {
        if (!this.remove(waiter)) return;
        waiter.timer?.cancel();
        resolve("gone");
      });
    });
  }

  /** Gives a connection back: to the first waiter, or to the pool. Call once per acquired connection. */
  release(): void {
    const next = this.waiters.shift();
    if (next === undefined) {
      this.inFlight--;
      return;
    }
    next.timer?.cancel();
    next.client.onAbort(null);
    next.resolve("ready");
  }

  private remove(waiter: Waiter): boolean {
    const at = this.waiters.indexOf(waiter);
    if (at < 0) return false;
    this.waiters.splice(at, 1);
    return true;
  }

  /** Why a target was passed over, for the request log and the client's message. */
  reason(result: "full" | "timeout"): string {
    return result === "full"
      ? `connection queue full: ${this.maxInFlight} connections in use, ${this.maxQueued} requests waiting`
      : `no free connection within ${this.timeoutMs} ms (${this.maxInFlight} in use)`;
  }
}

/** One provider's connections as /health shows them. */
export interface ConnectionHealth {
  provider: string;
  in_flight: number;
  max_connections: number;
  queued: number;
  queue_max: number;
  queue_timeout_ms: number;
  rejected_full: number;
  rejected_timeout: number;
}

/** Every HTTP provider's connections and queue, for /health. */
export function connectionHealth(upstreams: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly queue?: ConnectionQueue }>): ConnectionHealth[] {
  const out: ConnectionHealth[] = [];
  for (const upstream of upstreams) {
    const queue = upstream.queue;
    if (upstream.kind !== "http" || queue === undefined) continue;
    out.push({
      provider: upstream.name,
      in_flight: queue.inFlight,
      max_connections: queue.maxInFlight,
      queued: queue.depth,
      queue_max: queue.maxQueued,
      queue_timeout_ms: queue.timeoutMs,
      rejected_full: queue.rejectedFull,
      rejected_timeout: queue.rejectedTimeout,
    });
  }
  return out;
}
