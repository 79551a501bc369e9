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

export class ClientResponse {
  aborted = false;
  /** True once the status line went out: from then on there is no fallback. */
  started = false;
  finished = false;
  /** Aborted when the client goes away; passed to upstream requests so they are cancelled too. */
  readonly abortController = new AbortController();
  private writableWaiter: (() => void) | null = null;

  constructor(private readonly res: HttpResponse) {
    /* uWS: onAborted must be attached before any await, or an abort crashes the process. */
    res.onAborted(() => {
      this.aborted = true;
      this.abortController.abort();
      const waiter = this.writableWaiter;
      this.writableWaiter = null;
      waiter?.();
    });
  }

  /** Whole response in one corked call: the common case for errors and non-stream bodies. */
  send(status: number, headers: Readonly<Record<string, string>>, body: string | Uint8Array): void {
    if (this.aborted || this.finished) return;
    this.started = true;
    this.finished = true;
    /* uWS: writes outside the request's own tick must be corked into one syscall. */
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      for (const name in headers) this.res.writeHeader(name, headers[name]!);
      this.res.end(body);
    });
  }

  /** Status and headers of a response whose body follows in chunks. */
  begin(status: number, headers: Readonly<Record<string, string>>): void {
    if (this.aborted || this.started) return;
    this.started = true;
    this.res.cork(() => {
      this.res.writeStatus(statusLine(status));
      for (const name in headers) this.res.writeHeader(name, headers[name]!);
    });
  }

  /** Writes a chunk; false means the client is behind and the caller must `await drained()` before more. */
  write(chunk: Uint8Array | string): boolean {
    if (this.aborted || this.finished) return true;
    let ok = true;
    this.res.cork(() => {
      ok = this.res.write(chunk);
    });
    return ok;
  }

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

  end(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.res.cork(() => this.res.end());
  }

  /** Drops the connection: used when an upstream stream breaks after bytes went out. */
  close(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.res.close();
  }
}
