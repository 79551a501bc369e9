// The row shape of the hostile-input corpus (test/e2e/hostile.test.ts) and the one raw-socket client every
// group of rows (input, slow-clients, smuggling, upstream, http-framing) uses, for bytes no HTTP client
// would send: `exchange` writes pieces on a fresh connection and reads back every response (Content-Length
// or chunked, pipelined ones in order, a smuggled one behind the first), and whether the gateway closed
// the connection; `sendRaw` reduces that to a row's result.
import net from "node:net";

export interface WireResult {
  status: number | null;
  body: string;
  closed: boolean;
  /** Each complete response's status in the order they arrived (pipelined requests have several). */
  statuses?: number[];
  /** The first response's x-switchyard-request-id: the request log's record of it has this id. */
  requestId?: string;
}

/** What the client must get. */
export interface Expectation {
  status: number | null;
  /** The error's `type` (OpenAI: error.type; Anthropic: error.type inside the error envelope). */
  errorType?: string;
  closed: boolean;
  /** Whose error shape the body has, when the row holds it to one. */
  api?: "openai" | "anthropic";
  /** Every response's status, in order, when several requests went out on the connection. */
  statuses?: number[];
  /** The request log's record of the request carries an error that matches. */
  logged?: RegExp;
}

export interface HostileRow {
  name: string;
  send: (port: number) => Promise<WireResult>;
  expect: Expectation;
  /**
   * The expectation is not met on the backend the row runs on, for reason `why` (uWS's native parser):
   * the row then holds the backend to what it does `today`, so a build that changes it turns the row red.
   */
  knownGap?: { why: string; today: Expectation };
  /** The row scripts a mock upstream's next answers: such rows run one at a time, whatever their group. */
  scriptsUpstream?: true;
}

/** A piece of what the client writes: bytes, or a pause (ms) before the next piece. */
export type WirePiece = string | Buffer | { pauseMs: number };

export interface RawOptions {
  /** Give up waiting for an answer after this long (the result then says no status, not closed). Default 20 s. */
  timeoutMs?: number;
  /**
   * After the responses waited for, how long to watch for the gateway closing the connection (and for bytes
   * of a smuggled response). One that says `connection: close` is always waited for until the close (within
   * timeoutMs). Default 300 ms.
   */
  settleMs?: number;
  /** Stop writing the remaining pieces once the gateway answered or closed (a slowloris client would notice). */
  stopOnAnswer?: boolean;
  /** Complete responses to wait for before settling (pipelined requests). Default 1. */
  responses?: number;
}

interface Parsed {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
  complete: boolean;
  /** Once complete: the bytes the response took, where the next one starts. */
  length: number;
}

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
  const incomplete = (body: Buffer): Parsed => ({ status, headers, body, complete: false, length: 0 });
  if (headers.get("transfer-encoding")?.toLowerCase() === "chunked") {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd < 0) return incomplete(Buffer.concat(parts));
      const size = parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
      if (Number.isNaN(size)) return incomplete(Buffer.concat(parts));
      if (size === 0) {
        // The last chunk, then (no trailers here) the empty line.
        const last = rest.indexOf("\r\n", lineEnd + 2);
        return last < 0 ? incomplete(Buffer.concat(parts)) : { status, headers, body: Buffer.concat(parts), complete: true, length: end + 4 + last + 2 };
      }
      if (rest.length < lineEnd + 2 + size + 2) return incomplete(Buffer.concat(parts));
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = Number(headers.get("content-length") ?? (status === 204 || status === 304 ? 0 : NaN));
  if (Number.isNaN(length) || rest.length < length) return incomplete(Number.isNaN(length) ? rest : rest.subarray(0, length));
  return { status, headers, body: rest.subarray(0, length), complete: true, length: end + 4 + length };
}

/** Everything the gateway sent on one connection, its complete responses in order, and whether it closed it. */
export interface Exchange {
  data: Buffer;
  responses: Parsed[];
  closed: boolean;
  /** Every piece had been written when the exchange ended (a slow client was let finish). */
  wroteAll: boolean;
}

/**
 * Writes `pieces` to a fresh connection to 127.0.0.1:port and collects what comes back until `responses`
 * responses are complete and settleMs passed, the gateway closes (its FIN or a reset is what "closed" means
 * to a client), or timeoutMs passes.
 */
export function exchange(port: number, pieces: WirePiece[], options: RawOptions = {}): Promise<Exchange> {
  const { timeoutMs = 20_000, settleMs = 300, stopOnAnswer = true, responses: wanted = 1 } = options;
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = Buffer.alloc(0);
    const responses: Parsed[] = [];
    /** Where the bytes not yet read as a complete response start. */
    let unread = 0;
    let closed = false;
    let done = false;
    let wroteAll = false;
    let settle: NodeJS.Timeout | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(overall);
      clearTimeout(settle);
      socket.destroy();
      resolve({ data, responses, closed, wroteAll });
    };
    const overall = setTimeout(finish, timeoutMs);
    const close = () => {
      closed = true;
      finish();
    };
    socket.on("error", () => {});
    socket.on("end", close);
    socket.on("close", close);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      for (let next = parseResponse(data.subarray(unread)); next?.complete; next = parseResponse(data.subarray(unread))) {
        responses.push(next);
        unread += next.length;
      }
      const last = responses.at(-1);
      if (responses.length >= wanted && settle === undefined && last!.headers.get("connection")?.toLowerCase() !== "close") {
        settle = setTimeout(finish, settleMs);
      }
    });
    socket.on("connect", async () => {
      for (const piece of pieces) {
        if (done || (stopOnAnswer && data.length > 0)) return;
        if (typeof piece === "object" && "pauseMs" in piece) await new Promise((r) => setTimeout(r, piece.pauseMs));
        else if (!socket.destroyed) socket.write(piece);
      }
      wroteAll = true;
    });
  });
}

/** The first response of an exchange as a row's result. */
export function wireResult({ data, responses, closed }: Exchange): WireResult {
  // The first response even when incomplete (a body cut short still has its status).
  const first = responses[0] ?? parseResponse(data);
  return {
    status: first?.status ?? null,
    body: first?.body.toString("utf8") ?? "",
    closed,
    statuses: responses.map((r) => r.status),
    requestId: first?.headers.get("x-switchyard-request-id"),
  };
}

/** `exchange`, reduced to the first response: its status, body, and whether the gateway closed the connection. */
export async function sendRaw(port: number, pieces: WirePiece[], options: RawOptions = {}): Promise<WireResult> {
  return wireResult(await exchange(port, pieces, options));
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
