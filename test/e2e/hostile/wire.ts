// The row shape of the hostile-input corpus (test/e2e/hostile.test.ts) and a small raw-socket client for
// the rows that need bytes no HTTP client would send: what came back (status, body) and whether the gateway
// closed the connection. Every group of rows (input, slow-clients, smuggling, upstream, http-framing) uses it:
// `exchange`/`sendRaw` read the first response (chunked too) and any smuggled one behind it; `converse` reads
// every Content-Length-framed response of a pipelined conversation, in order.
import net from "node:net";

export interface WireResult {
  status: number | null;
  body: string;
  closed: boolean;
  /** Each response's status in the order they arrived (pipelined requests have several). */
  statuses?: number[];
  /** The first response's x-switchyard-request-id: the request log's record of it has this id. */
  requestId?: string;
}

export interface HostileRow {
  name: string;
  send: (port: number) => Promise<WireResult>;
  expect: {
    status: number | null;
    /** The error's `type` (OpenAI: error.type; Anthropic: error.type inside the error envelope). */
    errorType?: string;
    closed: boolean;
    /** Whose error shape the body has. */
    api?: "openai" | "anthropic";
    /** Every response's status, in order, when several requests went out on the connection. */
    statuses?: number[];
    /** The request log's record of the request carries an error that matches. */
    logged?: RegExp;
  };
}

/** A piece of what the client writes: bytes, or a pause (ms) before the next piece. */
export type WirePiece = string | Buffer | { pauseMs: number };

export interface RawOptions {
  /** Give up waiting for an answer after this long (the result then says no status, not closed). Default 20 s. */
  timeoutMs?: number;
  /**
   * After a complete response, how long to watch for the gateway closing the connection. A response that
   * says `connection: close` is always waited for until the close (within timeoutMs). Default 300 ms.
   */
  settleMs?: number;
  /** Stop writing the remaining pieces once the gateway answered or closed (a slowloris client would notice). */
  stopOnAnswer?: boolean;
}

interface Parsed { status: number; headers: Map<string, string>; body: Buffer; complete: boolean }

/** Parses one HTTP/1.1 response from the head of `data`: status, headers, and the body once it is complete. */
export function parseResponse(data: Buffer): Parsed | null {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1] ?? NaN);
  if (!Number.isInteger(status)) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const rest = data.subarray(end + 4);
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd < 0) return { status, headers, body: Buffer.concat(parts), complete: false };
      const size = parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
      if (Number.isNaN(size)) return { status, headers, body: Buffer.concat(parts), complete: false };
      if (size === 0) return { status, headers, body: Buffer.concat(parts), complete: rest.indexOf("\r\n", lineEnd + 2) >= 0 };
      if (rest.length < lineEnd + 2 + size + 2) return { status, headers, body: Buffer.concat(parts), complete: false };
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = Number(headers.get("content-length") ?? (status === 204 || status === 304 ? 0 : NaN));
  if (Number.isNaN(length)) return { status, headers, body: rest, complete: false };
  return { status, headers, body: rest.subarray(0, length), complete: rest.length >= length };
}

/** Everything the gateway sent on one connection, and whether it closed it. */
export interface Exchange { data: Buffer; closed: boolean }

/**
 * Writes `pieces` to a fresh connection to 127.0.0.1:port and collects what comes back until the first
 * response is complete and settleMs passed (bytes of a second, smuggled response land in that window), the
 * gateway closes, or timeoutMs passes.
 */
export function exchange(port: number, pieces: WirePiece[], options: RawOptions = {}): Promise<Exchange> {
  const { timeoutMs = 20_000, settleMs = 300, stopOnAnswer = true } = options;
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    let closed = false;
    let done = false;
    let settle: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(overall);
      clearTimeout(settle);
      socket.destroy();
      resolve({ data, closed });
    };
    const overall = setTimeout(finish, timeoutMs);
    socket.on("error", () => {});
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const parsed = parseResponse(data);
      if (parsed?.complete && settle === undefined && parsed.headers.get("connection")?.toLowerCase() !== "close") {
        settle = setTimeout(finish, settleMs);
      }
    });
    socket.on("connect", async () => {
      for (const piece of pieces) {
        if (done || (stopOnAnswer && data.length > 0)) return;
        if (typeof piece === "object" && "pauseMs" in piece) await new Promise((r) => setTimeout(r, piece.pauseMs));
        else if (!socket.destroyed) socket.write(piece);
      }
    });
  });
}

/** The first response of an exchange as a row's result. */
export function wireResult({ data, closed }: Exchange): WireResult {
  const parsed = parseResponse(data);
  return { status: parsed?.status ?? null, body: parsed?.body.toString("utf8") ?? "", closed, requestId: parsed?.headers.get("x-switchyard-request-id") };
}

/** `exchange`, reduced to the first response: its status, body, and whether the gateway closed the connection. */
export async function sendRaw(port: number, pieces: WirePiece[], options: RawOptions = {}): Promise<WireResult> {
  return wireResult(await exchange(port, pieces, options));
}

/** How many response status lines the gateway wrote: more than one to one request means a smuggled one was answered. */
export function responseCount(data: Buffer): number {
  return data.toString("latin1").match(/(^|\r\n)HTTP\/1\.[01] \d{3} /g)?.length ?? 0;
}

/** A request's bytes: request line, headers (content-length added for a body unless given), body. */
export function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Buffer {
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
  const all: Record<string, string> = { host: "127.0.0.1", ...headers };
  if (body !== undefined && !Object.keys(all).some((k) => k.toLowerCase() === "content-length" || k.toLowerCase() === "transfer-encoding")) {
    all["content-length"] = String(payload.byteLength);
  }
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), payload]);
}

/** The error `type` of an OpenAI (`error.type`) or Anthropic (`{type: "error", error: {type}}`) error body. */
export function errorTypeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { type?: unknown } };
    return typeof parsed.error?.type === "string" ? parsed.error.type : undefined;
  } catch {
    return undefined;
  }
}

/** A step of a script: bytes to write, or a pause (ms) between writes. */
export type Step = string | Buffer | { pauseMs: number };

export interface Conversation {
  /** Responses to wait for before judging whether the server keeps the connection (default 1). */
  responses?: number;
  /** How long to wait for the responses, or for the server to close without any (default 15 s). */
  waitMs?: number;
  /** After the responses: how long a server that will close gets to do it (default 500 ms). */
  graceMs?: number;
}

interface Framed {
  status: number;
  body: string;
}

/** Complete responses at the front of `buffer` (Content-Length framing; the gateway answers nothing else here) and the bytes left. */
function parseFramedResponses(buffer: Buffer): { responses: Framed[]; rest: Buffer } {
  const responses: Framed[] = [];
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) break;
    const head = rest.subarray(0, end).toString("latin1");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (rest.length < end + 4 + length) break;
    responses.push({ status, body: rest.subarray(end + 4, end + 4 + length).toString("utf8") });
    rest = rest.subarray(end + 4 + length);
  }
  return { responses, rest };
}

/** Writes `steps` on a new connection to 127.0.0.1:`port` and reports what the server did. */
export function converse(port: number, steps: Step[], options: Conversation = {}): Promise<WireResult> {
  const wanted = options.responses ?? 1;
  const waitMs = options.waitMs ?? 15_000;
  const graceMs = options.graceMs ?? 500;
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let received: Buffer = Buffer.alloc(0);
    let responses: Framed[] = [];
    let closed = false;
    let settled = false;
    let grace: NodeJS.Timeout | null = null;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      if (grace !== null) clearTimeout(grace);
      socket.destroy();
      resolve({ status: responses[0]?.status ?? null, body: responses[0]?.body ?? "", closed, statuses: responses.map((r) => r.status) });
    };
    const overall = setTimeout(finish, waitMs);
    socket.on("data", (chunk) => {
      const parsed = parseFramedResponses(Buffer.concat([received, chunk]));
      responses = responses.concat(parsed.responses);
      received = parsed.rest;
      if (responses.length >= wanted && grace === null) grace = setTimeout(finish, graceMs);
    });
    // The server's FIN (or a reset) is what "closed" means to a client.
    socket.on("end", () => {
      closed = true;
      finish();
    });
    socket.on("error", () => {
      closed = true;
      finish();
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    void (async () => {
      for (const step of steps) {
        if (settled || socket.destroyed) return;
        if (typeof step === "object" && !Buffer.isBuffer(step)) await new Promise((r) => setTimeout(r, step.pauseMs));
        else socket.write(step);
      }
    })();
  });
}
