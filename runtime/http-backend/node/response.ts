// uWS's HttpResponse over node:http's ServerResponse, with uWS's contract kept where handlers rely on it:
//   - status and headers are buffered and go out with the first write or end, as one writeHead with a flat
//     header list (repeated names such as vary stay separate lines, as uWS writes them);
//   - end(body) sends Content-Length, never chunked framing; write() streams chunked;
//   - write() returns false when the socket buffer is full, and onWritable's handler runs on 'drain';
//   - onData hands each body chunk as an ArrayBuffer as it arrives, then an empty one with isLast (uWS
//     marks the last data chunk itself; both end on exactly one isLast call);
//   - onAborted runs once if the connection closes before the response ended, or on close().
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
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

/** "404 Not Found" → [404, "Not Found"], parsed once per distinct line (the runtime uses a handful). */
const statusLines = new Map<string, readonly [number, string]>();
function parseStatus(line: string): readonly [number, string] {
  let parsed = statusLines.get(line);
  if (parsed === undefined) {
    const space = line.indexOf(" ");
    parsed = space === -1 ? [Number(line), ""] : [Number(line.slice(0, space)), line.slice(space + 1)];
    if (!Number.isInteger(parsed[0]) || parsed[0] < 100 || parsed[0] > 999) throw new Error(`bad status line ${JSON.stringify(line)}`);
    if (statusLines.size < 256) statusLines.set(line, parsed);
  }
  return parsed;
}

function text(value: RecognizedString): string {
  return typeof value === "string" ? value : Buffer.from(value as ArrayBuffer).toString("latin1");
}

function bytes(value: RecognizedString): string | Uint8Array {
  if (typeof value === "string" || value instanceof Uint8Array) return value;
  return ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value as ArrayBuffer);
}

function byteLength(value: string | Uint8Array): number {
  return typeof value === "string" ? Buffer.byteLength(value) : value.byteLength;
}

/** The peer address as uWS gives it (text in an ArrayBuffer), once per connection. */
const peerAddresses = new WeakMap<Socket, ArrayBuffer>();
function peerAddress(socket: Socket | null): ArrayBuffer {
  if (socket === null) return EMPTY;
  let address = peerAddresses.get(socket);
  if (address === undefined) {
    let ip = socket.remoteAddress ?? "";
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; uWS and the log name them a.b.c.d.
    if (ip.startsWith("::ffff:") && ip.includes(".")) ip = ip.slice(7);
    const encoded = Buffer.from(ip, "latin1");
    address = encoded.buffer.slice(encoded.byteOffset, encoded.byteOffset + encoded.byteLength);
    peerAddresses.set(socket, address);
  }
  return address;
}

/** A Node Buffer's bytes as an ArrayBuffer of exactly that length (Node's chunks are views into larger pools). */
function ownBuffer(chunk: Buffer): ArrayBuffer {
  if (chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength) return chunk.buffer as ArrayBuffer;
  return chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength) as ArrayBuffer;
}

export class NodeResponse implements UsedResponse {
  private status = 200;
  private statusText: string | undefined = undefined;
  /** [name, value, name, value, …] until the head goes out. */
  private headers: string[] = [];
  private hasLength = false;
  private headSent = false;
  private ended = false;
  private aborted = false;
  /** Body bytes taken by tryEnd, as uWS counts them (write() does not move it there either). */
  private offset = 0;
  private abortHandler: (() => void) | null = null;
  private writableHandler: ((offset: number) => boolean) | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  writeStatus(status: RecognizedString): this {
    [this.status, this.statusText] = parseStatus(text(status));
    return this;
  }

  writeHeader(key: RecognizedString, value: RecognizedString): this {
    const name = text(key);
    if (name.length === 14 && name.toLowerCase() === "content-length") this.hasLength = true;
    this.headers.push(name, text(value));
    return this;
  }

  private sendHead(): void {
    this.headSent = true;
    this.res.writeHead(this.status, this.statusText, this.headers);
  }

  write(chunk: RecognizedString): boolean {
    if (this.ended) return false;
    if (!this.headSent) this.sendHead();
    return this.res.write(bytes(chunk));
  }

  end(body?: RecognizedString, closeConnection?: boolean): this {
    if (this.ended) return this;
    const data = body === undefined ? undefined : bytes(body);
    if (!this.headSent) {
      // writeHead before end(body) would frame the body chunked: give its length, as uWS does.
      if (!this.hasLength) this.headers.push("content-length", String(data === undefined ? 0 : byteLength(data)));
      if (closeConnection === true) this.headers.push("connection", "close");
      this.sendHead();
    }
    this.ended = true;
    this.res.end(data);
    return this;
  }

  /** Status and headers only: a HEAD answer or a 304 (the headers say the length, when they should). */
  endWithoutBody(reportedContentLength?: number, closeConnection?: boolean): this {
    if (this.ended) return this;
    if (!this.headSent) {
      if (reportedContentLength !== undefined && !this.hasLength) this.headers.push("content-length", String(reportedContentLength));
      if (closeConnection === true) this.headers.push("connection", "close");
      this.sendHead();
    }
    this.ended = true;
    this.res.end();
    return this;
  }

  tryEnd(fullBodyOrChunk: RecognizedString, totalSize: number): [boolean, boolean] {
    if (this.ended) return [true, true];
    if (!this.headSent) {
      if (!this.hasLength) this.headers.push("content-length", String(totalSize));
      this.sendHead();
    }
    const data = bytes(fullBodyOrChunk);
    this.offset += byteLength(data);
    const ok = this.res.write(data);
    if (this.offset >= totalSize) {
      this.ended = true;
      this.res.end();
      return [ok, true];
    }
    return [ok, false];
  }

  /** The socket's cork: ServerResponse.cork() on Node 22 drops or reorders a chunked body's last writes. */
  cork(cb: () => void): this {
    const socket = this.res.socket;
    socket?.cork();
    try {
      cb();
    } finally {
      socket?.uncork();
    }
    return this;
  }

  onAborted(handler: () => void): this {
    if (this.abortHandler === null) {
      this.res.once("close", () => {
        if (!this.ended) this.abort();
      });
    }
    this.abortHandler = handler;
    return this;
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.ended = true;
    const handler = this.abortHandler;
    this.abortHandler = null;
    handler?.();
  }

  onWritable(handler: (offset: number) => boolean): this {
    if (this.writableHandler === null) {
      this.res.on("drain", () => {
        const writable = this.writableHandler;
        if (writable !== null && !this.ended) writable(this.offset);
      });
    }
    this.writableHandler = handler;
    return this;
  }

  getWriteOffset(): number {
    return this.offset;
  }

  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): this {
    // Each chunk goes on at once, none held back to learn whether it is the last: a pass-through upload
    // must reach the provider as it arrives. The end is one more, empty, call.
    this.req.on("data", (chunk: Buffer) => handler(ownBuffer(chunk), false));
    this.req.once("end", () => handler(EMPTY, true));
    return this;
  }

  pause(): void {
    this.req.pause();
  }

  resume(): void {
    this.req.resume();
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return peerAddress(this.req.socket);
  }

  /** Drops the connection at once; onAborted runs now, as uWS runs it. */
  close(): this {
    this.abort();
    this.res.destroy();
    return this;
  }
}
