// Requests refused before any endpoint runs because their HTTP framing is wrong: too many or too large
// headers (431), bytes that are not HTTP or a Content-Length that cannot be trusted (400), headers that
// never finish (408). There is no request to log, and often no parsed path, so the answer is written as raw
// bytes in the client's API format where the bytes tell it, the connection is closed (what follows on it
// cannot be framed), and the application log says who and why, rate-limited so a flood cannot fill a disk.
import { STATUS_CODES } from "node:http";
import type { ClientApi } from "../contract.ts";
import { errorBody } from "../client/errors.ts";
import { appLog } from "../log/app-log.ts";

export type FramingStatus = 400 | 408 | 431;

/** Anthropic's API by its paths (`/v1/messages…`, `/anthropic/…`) or an `anthropic-version` header; OpenAI's otherwise. */
export function clientApiFor(path: string, anthropicVersion: boolean): ClientApi {
  return anthropicVersion || path.startsWith("/v1/messages") || path.startsWith("/anthropic") ? "anthropic" : "openai";
}

/** Header names are case-insensitive; a value-less `anthropic-version:` still names the API. */
const ANTHROPIC_VERSION_LINE = /\r?\nanthropic-version[ \t]*:/i;

/** The API a client speaks, read from whatever raw bytes of its request arrived (the request line, maybe headers). */
export function clientApiOfBytes(head: Buffer | undefined): ClientApi {
  if (head === undefined || head.length === 0) return "openai";
  // Only the head matters: 8 KiB holds the request line and any header a client sends first.
  const text = head.toString("latin1", 0, Math.min(head.length, 8192));
  const lineEnd = text.indexOf("\n");
  const requestLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  const path = requestLine.split(" ")[1] ?? "";
  return clientApiFor(path, ANTHROPIC_VERSION_LINE.test(text));
}

const ERROR_CODES: Readonly<Record<FramingStatus, string>> = {
  400: "bad_http_request",
  408: "request_timeout",
  431: "request_headers_too_large",
};

/** A complete HTTP/1.1 response: status, the error in `api`'s format, Connection: close. */
export function framingResponse(status: FramingStatus, api: ClientApi, message: string): string {
  const body = errorBody(api, { status, code: ERROR_CODES[status], message });
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** Lines written per window; past it, refusals are counted and one line says how many were left out. */
export const REFUSAL_LINES_PER_WINDOW = 10;
export const REFUSAL_WINDOW_MS = 60_000;

interface LogTarget {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Logs at most `perWindow` refusals a window, and then one summary of those it left out. */
export class RefusalLog {
  private windowStart = -Infinity;
  private written = 0;
  private suppressed = 0;
  private summary: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: LogTarget = appLog,
    private readonly perWindow = REFUSAL_LINES_PER_WINDOW,
    private readonly windowMs = REFUSAL_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  refused(status: FramingStatus, peer: string, reason: string): void {
    const now = this.now();
    if (now - this.windowStart >= this.windowMs) {
      this.flush();
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written < this.perWindow) {
      this.written++;
      this.log.warn({ peer, status, reason }, `refused a request from ${peer} at the HTTP level with ${status}: ${reason}`);
      return;
    }
    this.suppressed++;
    // One timer per window with suppressed lines, so the count is reported even if the flood stops.
    this.summary ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.windowMs - now)).unref();
  }

  /** Writes the summary line of the window, if any refusal was left out. */
  flush(): void {
    if (this.summary !== null) clearTimeout(this.summary);
    this.summary = null;
    if (this.suppressed === 0) return;
    const count = this.suppressed;
    this.suppressed = 0;
    this.log.warn({ suppressed: count }, `refused ${count} more requests at the HTTP level in the last ${this.windowMs / 1000} s (not logged one by one)`);
  }
}

/** The process's refusal log. */
export const refusals = new RefusalLog();
