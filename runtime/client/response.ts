// A thin wrapper over uWS's HttpResponse that carries the rules uWS imposes, so handlers can `await` freely:
// the response object is invalid after the client aborts, writes after an await must be corked, and a
// `write` that reports backpressure must wait for `onWritable` before the next chunk is pulled.
import { STATUS_CODES } from "node:http";
import type { HttpResponse } from "uWebSockets.js";

const statusLines = new Map<number, string>();
function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? "Unknown"}`;
    statusLines.set(status, line);
  }
  return line;
}

/** What a relay pauses while the client is behind: undici's dispatch controller fits this shape. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/** Sees the response as it goes to the client (a route's recording, runtime/scenario/record/capture.ts). */
export interface ResponseObserver {
  head(status: number, headers: Readonly<Record<string, string>>): void;
  chunk(data: Uint8Array | string): void;
}

export class ClientResponse {
  aborted = false;
  /** True once the status line went out: from then on there is no fallback. */
  started = false;
  finished = false;
  private abortHandler: (() => void) | null = null;
  private writableWaiter: (() => void) | null = null;
  /** Chunks queued in this tick; one corked flush writes them all (one syscall for a burst of events). */
  private pending: Array<Uint8Array | string> = [];
  private flushQueued = false;
  private source: Pausable | null = null;
  /** Status and headers from `begin`, written by the first flush together with the first chunks. */
  private head: { status: number; headers: Readonly<Record<string, string>> } | null = null;

  constructor(private readonly res: HttpResponse) {
    /* uWS: onAborted must be attached before any await, or an abort crashes the process. */
    res.onAborted(() => {
      this.aborted = true;
      this.pending = [];
      const handler = this.abortHandler;
      this.abortHandler = null;
      handler?.();
      const waiter = this.writableWaiter;
      this.writableWaiter = null;
      waiter?.();
    });
  }

  /** Headers the gateway adds to whatever response goes out (rate-limit state); they replace same-named upstream ones. */
  extraHeaders: Readonly<Record<string, string>> | null = null;

  /** Set only on recorded routes: one null check per write elsewhere. */
  observer: ResponseObserver | null = null;

  private writeHeaders(headers: Readonly<Record<string, string>>): void {
    const extra = this.extraHeaders;
    for (const name in headers) if (extra === null || !(name in extra)) this.res.writeHeader(name, headers[name]!);
    if (extra !== null) for (const name in extra) this.res.writeHeader(name, extra[name]!);
  }

  /** Called once if the client goes away; null clears it. Upstream attempts use it to cancel themselves. */
  onAbort(handler: (() => void) | null): void {
    this.abortHandler = handler;
  }

  /** Whole response in one corked call: the common case for errors and non-stream bodies; `closeConnection` ends the connection after it. */
  send(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array, closeConnection = false): void {
    if (this.aborted || this.finished) return;
    this.started = true;
    this.finished = true;
    if (this.observer !== null) {
      this.observer.head(status, headers);
      this.observer.chunk(body);
    }
    /* uWS: writes outside the request's own tick must be corked into one syscall. */
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      this.writeHeaders(headers);
      this.res.end(body, closeConnection);
    });
  }

  /** Status and headers of a response whose body follows in chunks; they go out with the first chunk. */
  begin(status: number, headers: Readonly<Record<string, string>>, source: Pausable | null = null): void {
    if (this.aborted || this.started) return;
    this.started = true;
    this.source = source;
    this.head = { status, headers };
    this.observer?.head(status, headers);
  }

  /**
   * Queues a chunk; every chunk queued in the same tick goes out in one corked flush. When uWS reports
   * backpressure, the source given to `begin` is paused until uWS can take more (onWritable).
   */
  write(chunk: Uint8Array | string): void {
    if (this.aborted || this.finished) return;
    this.pending.push(chunk);
    if (this.observer !== null) this.observer.chunk(chunk);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.aborted) return;
    const chunks = this.pending;
    this.pending = [];
    const head = this.head;
    this.head = null;
    let ok = true;
    /* uWS: writes outside the request's own tick must be corked into one syscall. */
    this.res.cork(() => {
      if (head !== null) {
        this.res.writeStatus(statusLine(head.status));
        this.writeHeaders(head.headers);
      }
      for (const chunk of chunks) ok = this.res.write(chunk);
      if (this.finished) this.res.end();
    });
    if (!ok && !this.finished && this.source !== null) {
      const source = this.source;
      source.pause();
      void this.drained().then(() => source.resume());
    }
  };

  /** Resolves when uWS has flushed the backlog (or the client went away). */
  drained(): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.writableWaiter = resolve;
      this.res.onWritable(() => {
        const waiter = this.writableWaiter;
        this.writableWaiter = null;
        waiter?.();
        return true;
      });
    });
  }

  /** Ends a chunked response after whatever is still queued. */
  end(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.scheduleFlush(); // writes whatever is queued (and the head, if still pending), then ends
  }

  /** Drops the connection: used when an upstream stream breaks after bytes went out. */
  close(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.pending = [];
    this.res.close();
  }
}

/** What an attempt that writes its own frames (scenario, command) needs of the client: a ClientResponse, or an adapter. */
export type ClientSink = Pick<ClientResponse, "aborted" | "started" | "onAbort" | "send" | "begin" | "write" | "end" | "close">;
