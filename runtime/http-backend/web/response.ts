// uWS's HttpResponse as a web-standard Response, with the contract handlers rely on kept (as node/response.ts
// keeps it over node:http):
//   - status and headers are buffered; the Response is made at the first write, end or tryEnd;
//   - a body ended in one call is the Response's bytes (with its content-length); write() opens a streamed
//     body whose chunks reach the reader as they are written;
//   - write() returns false when the stream's queue is full (the reader is behind), and onWritable's handler
//     runs when the reader pulls again;
//   - onData hands each chunk of the Request's body as an ArrayBuffer as it arrives, then an empty one with
//     isLast;
//   - onAborted runs once if the Request's signal aborts, or the reader cancels the body, before the
//     response ended, or on close().
import type { HttpResponse, RecognizedString } from "uWebSockets.js";

type Used =
  | "writeStatus"
  | "writeHeader"
  | "write"
  | "end"
  | "endWithoutBody"
  | "tryEnd"
  | "cork"
  | "onData"
  | "onAborted"
  | "onWritable"
  | "getWriteOffset"
  | "getRemoteAddressAsText"
  | "pause"
  | "resume"
  | "close";

/** uWS's methods that the runtime calls, each returning this response where uWS's returns the response. */
type Subset<T, K extends keyof T, Self> = { [P in K]: T[P] extends (...args: infer A) => infer R ? ([R] extends [T] ? (...args: A) => Self : T[P]) : T[P] };
interface UsedResponse extends Subset<HttpResponse, Used, UsedResponse> {}

const EMPTY = new ArrayBuffer(0);

/**
 * Bytes a streamed body queues before write() reports backpressure: node/server.ts's listener buffers as
 * much, so a relayed stream pauses its upstream no more often in-process than over a socket.
 */
const HIGH_WATER_MARK = 64 * 1024;

/** Statuses whose Response must have no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

const encoder = new TextEncoder();

/** "404 Not Found" → [404, "Not Found"], parsed once per distinct line (the runtime uses a handful). */
const statusLines = new Map<string, readonly [number, string]>();
function parseStatus(line: string): readonly [number, string] {
  let parsed = statusLines.get(line);
  if (parsed === undefined) {
    const space = line.indexOf(" ");
    parsed = space === -1 ? [Number(line), ""] : [Number(line.slice(0, space)), line.slice(space + 1)];
    if (!Number.isInteger(parsed[0]) || parsed[0] < 200 || parsed[0] > 599) throw new Error(`bad status line ${JSON.stringify(line)}`);
    if (statusLines.size < 256) statusLines.set(line, parsed);
  }
  return parsed;
}

function text(value: RecognizedString): string {
  return typeof value === "string" ? value : Buffer.from(value as ArrayBuffer).toString("latin1");
}

function bytes(value: RecognizedString): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value as ArrayBuffer);
}

/** A chunk's bytes as an ArrayBuffer of exactly that length, the reader's view copied out of its pool. */
function ownBuffer(chunk: Uint8Array): ArrayBuffer {
  if (chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) return chunk.buffer as ArrayBuffer;
  return chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
}

export class WebResponse implements UsedResponse {
  /** Settles once: with the Response when the head is ready, or with the abort's reason before that. */
  readonly response: Promise<Response>;
  private resolveResponse!: (response: Response) => void;
  private rejectResponse!: (reason: unknown) => void;
  private status = 200;
  private statusText = "";
  /** [name, value] pairs until the head is made (repeated names stay separate, as uWS writes them). */
  private headers: Array<[string, string]> = [];
  private hasLength = false;
  private headSent = false;
  private ended = false;
  private aborted = false;
  /** Body bytes taken by tryEnd, as uWS counts them (write() does not move it there either). */
  private offset = 0;
  private abortHandler: (() => void) | null = null;
  private writableHandler: ((offset: number) => boolean) | null = null;
  /** A write found the queue full: the next pull runs onWritable's handler. */
  private blocked = false;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private dataHandler: ((chunk: ArrayBuffer, isLast: boolean) => void) | null = null;
  private paused = false;
  private reading = false;
  private readonly onSignal = () => {
    if (!this.ended) this.abort(this.request.signal.reason);
  };

  constructor(
    private readonly request: Request,
    private readonly remoteAddress: ArrayBuffer,
  ) {
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolveResponse = resolve;
      this.rejectResponse = reject;
    });
    request.signal.addEventListener("abort", this.onSignal, { once: true });
  }

  writeStatus(status: RecognizedString): this {
    [this.status, this.statusText] = parseStatus(text(status));
    return this;
  }

  writeHeader(key: RecognizedString, value: RecognizedString): this {
    const name = text(key);
    if (name.length === 14 && name.toLowerCase() === "content-length") this.hasLength = true;
    this.headers.push([name, text(value)]);
    return this;
  }

  private sendHead(body: Uint8Array | ReadableStream<Uint8Array> | null): void {
    this.headSent = true;
    const nullBody = NULL_BODY.has(this.status);
    const init: ResponseInit = this.statusText === "" ? { status: this.status, headers: this.headers } : { status: this.status, statusText: this.statusText, headers: this.headers };
    this.resolveResponse(new Response(nullBody ? null : body, init));
  }

  /** Opens the streamed body: the reader's pace drives onWritable, its cancel is the client going away. */
  private openStream(): void {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        pull: () => {
          if (!this.blocked || this.ended) return;
          this.blocked = false;
          this.writableHandler?.(this.offset);
        },
        cancel: (reason) => {
          if (!this.ended) this.abort(reason);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_MARK }),
    );
    this.sendHead(stream);
  }

  private enqueue(data: Uint8Array): boolean {
    const controller = this.controller!;
    if (data.byteLength > 0) controller.enqueue(data);
    if ((controller.desiredSize ?? 0) > 0) return true;
    this.blocked = true;
    return false;
  }

  private finish(): void {
    this.ended = true;
    this.request.signal.removeEventListener("abort", this.onSignal);
    this.controller?.close();
  }

  write(chunk: RecognizedString): boolean {
    if (this.ended) return false;
    if (!this.headSent) this.openStream();
    return this.enqueue(bytes(chunk));
  }

  end(body?: RecognizedString, closeConnection?: boolean): this {
    if (this.ended) return this;
    const data = body === undefined ? null : bytes(body);
    if (!this.headSent) {
      if (!this.hasLength) this.headers.push(["content-length", String(data === null ? 0 : data.byteLength)]);
      if (closeConnection === true) this.headers.push(["connection", "close"]);
      this.sendHead(data);
    } else if (data !== null && data.byteLength > 0) this.controller!.enqueue(data);
    this.finish();
    return this;
  }

  /** Status and headers only: a HEAD answer or a 304 (the headers say the length, when they should). */
  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): this {
    if (this.ended) return this;
    if (!this.headSent) {
      if (reportedContentLength !== undefined && !this.hasLength) this.headers.push(["content-length", String(reportedContentLength)]);
      if (closeConnection === true) this.headers.push(["connection", "close"]);
      this.sendHead(null);
    }
    this.finish();
    return this;
  }

  tryEnd(fullBodyOrChunk: RecognizedString, totalSize: number): [boolean, boolean] {
    if (this.ended) return [true, true];
    const data = bytes(fullBodyOrChunk);
    if (!this.headSent) {
      if (!this.hasLength) this.headers.push(["content-length", String(totalSize)]);
      // The whole body in one call: the Response's own bytes, no stream.
      if (data.byteLength >= totalSize) {
        this.offset = data.byteLength;
        this.sendHead(data);
        this.finish();
        return [true, true];
      }
      this.openStream();
    }
    this.offset += data.byteLength;
    const ok = this.enqueue(data);
    if (this.offset >= totalSize) {
      this.finish();
      return [ok, true];
    }
    return [ok, false];
  }

  /** Nothing to batch: chunks reach the reader's queue as they are written. */
  cork(cb: () => void): this {
    cb();
    return this;
  }

  onAborted(handler: () => void): this {
    this.abortHandler = handler;
    return this;
  }

  private abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ended = true;
    this.request.signal.removeEventListener("abort", this.onSignal);
    const error = reason ?? new DOMException("the request was aborted", "AbortError");
    if (!this.headSent) this.rejectResponse(error);
    else {
      try {
        this.controller?.error(error);
      } catch {
        // The reader already cancelled the stream.
      }
    }
    // An upload still arriving is not wanted any more.
    this.reader?.cancel(error).catch(() => undefined);
    const handler = this.abortHandler;
    this.abortHandler = null;
    handler?.();
  }

  onWritable(handler: (offset: number) => boolean): this {
    this.writableHandler = handler;
    return this;
  }

  getWriteOffset(): number {
    return this.offset;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): this {
    const body = this.request.body;
    this.dataHandler = handler;
    if (body === null) {
      queueMicrotask(() => {
        if (!this.aborted) handler(EMPTY, true);
      });
      return this;
    }
    this.reader = body.getReader();
    void this.pump();
    return this;
  }

  /** Reads the Request's body chunk by chunk while not paused, each handed on as it arrives. */
  private async pump(): Promise<void> {
    const reader = this.reader!;
    const handler = this.dataHandler!;
    if (this.reading) return;
    this.reading = true;
    try {
      while (!this.paused && !this.aborted) {
        const { done, value } = await reader.read();
        if (this.aborted) return;
        if (done) {
          this.reader = null;
          handler(EMPTY, true);
          return;
        }
        if (value.byteLength > 0) handler(ownBuffer(value), false);
      }
    } catch (error) {
      // The body's source failed (its client went away mid-upload): as a connection closing under uWS.
      if (!this.ended) this.abort(error);
    } finally {
      this.reading = false;
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.reader !== null && !this.reading) void this.pump();
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return this.remoteAddress;
  }

  /** Drops the response at once; onAborted runs now, as uWS runs it. */
  close(): this {
    this.abort(new Error("the gateway closed the response"));
    return this;
  }

  /** A handler that threw: handle()'s promise rejects with its error, or a body already streaming ends in it. */
  fail(error: unknown): void {
    if (this.ended) return;
    if (!this.headSent) {
      this.ended = true;
      this.request.signal.removeEventListener("abort", this.onSignal);
      this.rejectResponse(error);
      return;
    }
    this.abort(error);
  }
}
