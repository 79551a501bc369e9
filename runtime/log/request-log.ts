// The request log: one JSON line per request in <dir>/requests-YYYY-MM-DD.jsonl (UTC day), and past the
// size limit requests-YYYY-MM-DD.1.jsonl, .2, ... It sits beside response relaying, so `write` only takes
// a snapshot of the record's small fields and queues it; bodies are spliced in, secrets redacted and the
// batch written on a later turn of the event loop (setImmediate), and no failure ever reaches the caller.
//
// Files and rotation are rotating-log-file.ts.

import { randomBytes } from "node:crypto";
import { RotatingLogFile } from "./rotating-log-file.ts";
import { redactSecrets } from "./secrets.ts";
import type { Usage } from "../usage.ts";
import type { ClientIdentity } from "../access/client-identity.ts";

export interface AttemptRecord {
  provider: string;
  model: string;
  status: number | null;
  latency_ms: number;
  error?: string;
  skipped?: string;
  /** The retry number of this try on its target (absent on the first try) and the wait before it. */
  retry?: number;
  backoff_ms?: number;
  /** Why a failed try was not retried on the same target (the route retries; this one was not). */
  no_retry?: string;
  /** Set when the target speaks another API: what it was translated to, and the request fields it could not take. */
  translated?: { to: string; dropped: readonly string[] };
}

export interface RequestLogRecord {
  id: string;
  time: string;
  /** W3C trace id: the client's (from traceparent) or one made here. */
  trace_id: string;
  /** The Switchyard key's id (key_…) or, for a key Switchyard does not know, a hash prefix; null: no key. Never the key. */
  key_id: string | null;
  /** The Switchyard key's name, when the request authenticated with one. */
  key_name?: string;
  /** The socket's peer address, or X-Forwarded-For's client when the peer is a trusted proxy. */
  client_ip: string;
  route: string | null;
  api: "openai" | "anthropic";
  path: string;
  model: string | null;
  stream: boolean;
  attempts: AttemptRecord[];
  status: number;
  latency_ms: number;
  upstream_latency_ms: number | null;
  ttfb_ms: number | null;
  usage: Usage | null;
  /** Present when `usage` is a local estimate (command and scenario providers), not the provider's count. */
  usage_estimated?: true;
  /** USD, at the serving target's price (runtime/spend/); absent when unknown (no price, no usage). */
  cost_usd?: number;
  /** Present when `cost_usd` is the budget reservation, because the upstream reported no usage. */
  cost_estimated?: true;
  /** count_tokens answered here rather than by the provider: the estimate given to the client. */
  estimate?: { input_tokens: number };
  /** Raw JSON text as received; logged as a JSON value, not re-serialised. */
  request_body?: string;
  /** Raw JSON text of a non-stream response; logged as a JSON value, not re-serialised. */
  response_body?: string;
  /** Assembled from a stream. */
  response?: {
    text: string;
    reasoning?: string;
    tool_calls?: ReadonlyArray<{ id: string; name: string; arguments: string }>;
    finish_reason: string | null;
  };
  error?: string;
}

export interface RequestLogSettings {
  readonly dir: string;
  readonly maxSizeBytes: number;
  /** False: request/response bodies and assembled response text are left out. */
  readonly bodies: boolean;
}

export interface RequestLog {
  /** Queues one line. Never throws, never waits. */
  write(record: RequestLogRecord, hints?: BodyHints): void;
  /** Writes everything queued and closes the file; later writes are dropped. */
  close(): Promise<void>;
}

/** Past this much unwritten data (a stalled disk), batches are dropped instead of held in memory. */
const MAX_UNWRITTEN_BYTES = 64 * 1024 * 1024;

/** How much log text one event-loop turn may finish (redaction and splicing are linear in it). */
const FLUSH_BUDGET_CHARS = 1 << 20;

/**
 * Lines are finished and written in batches at most this long after the first is queued: one write (one
 * thread-pool round trip) per batch instead of one per event-loop turn, which a busy gateway notices.
 */
const FLUSH_INTERVAL_MS = 25;

/** Raw line breaks may appear in valid JSON only as whitespace between tokens, never inside strings. */
const LINE_BREAKS = /[\r\n]/g;

/** A queued line: the record's JSON without its closing brace, plus the raw bodies still to splice in. */
interface PendingLine {
  readonly open: string;
  readonly requestBody: string | undefined;
  readonly responseBody: string | undefined;
  readonly hints: BodyHints | undefined;
}

/** What the caller already knows about the raw bodies, so the log need not parse them again. */
export interface BodyHints {
  readonly requestBodyIsJson?: boolean;
  readonly responseBodyIsJson?: boolean;
}

/** A raw body as a JSON value: itself on one line when it is valid JSON, otherwise as a JSON string. */
function rawJsonValue(raw: string, knownJson = false): string {
  if (!knownJson) {
    try {
      JSON.parse(raw);
    } catch {
      return JSON.stringify(raw);
    }
  }
  return raw.replace(LINE_BREAKS, " ");
}

function finishLine(pending: PendingLine): string {
  let line = pending.open;
  let separator = line.length > 1 ? "," : "";
  if (pending.requestBody !== undefined) {
    line += `${separator}"request_body":${rawJsonValue(pending.requestBody, pending.hints?.requestBodyIsJson)}`;
    separator = ",";
  }
  if (pending.responseBody !== undefined) line += `${separator}"response_body":${rawJsonValue(pending.responseBody, pending.hints?.responseBodyIsJson)}`;
  return redactSecrets(line + "}");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function openRequestLog(settings: RequestLogSettings): RequestLog {
  const { dir, bodies } = settings;
  let queue: PendingLine[] = [];
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | null = null;
  let closing: Promise<void> | null = null;
  let reported = false;

  // A broken log must not flood stderr at request rate: the first problem is reported, the rest are not.
  function report(what: string, error: unknown): void {
    if (reported) return;
    reported = true;
    process.stderr.write(`switchyard: request log ${what} (${dir}): ${describe(error)}; further log errors are not reported\n`);
  }

  const file = new RotatingLogFile(dir, settings.maxSizeBytes > 0 ? settings.maxSizeBytes : Infinity, (error) => report("write failed", error));

  /** Finishes queued lines, at most about FLUSH_BUDGET_CHARS per turn unless `all` (at close). */
  function flush(all = false): void {
    scheduled = null;
    if (queue.length === 0) return;
    let taken = 0;
    let chars = 0;
    let text = "";
    while (taken < queue.length && (all || chars < FLUSH_BUDGET_CHARS)) {
      const pending = queue[taken++]!;
      try {
        const line = finishLine(pending);
        chars += line.length;
        text += line + "\n";
      } catch (error) {
        report("cannot serialise a record", error);
      }
    }
    queue = taken === queue.length ? [] : queue.slice(taken);
    // Large bodies are spread over several turns so that other requests' I/O runs in between.
    if (queue.length > 0) scheduled = setImmediate(flush);
    if (text === "") return;
    if (file.unwritten > MAX_UNWRITTEN_BYTES) {
      report("is not keeping up; dropping records", new Error(`${file.unwritten} bytes unwritten`));
      return;
    }
    try {
      file.write(text);
    } catch (error) {
      report("cannot open", error);
    }
  }

  return {
    write(record, hints) {
      if (closing) return;
      try {
        // Bodies are spliced in later; JSON.stringify skips undefined fields, which is much cheaper than
        // copying the record without them (object rest is a slow path in V8, ~5 µs a request).
        const { request_body, response_body, response } = record;
        record.request_body = record.response_body = record.response = undefined;
        let json: string;
        try {
          json = JSON.stringify(record);
        } finally {
          record.request_body = request_body;
          record.response_body = response_body;
          record.response = response;
        }
        let open = json.slice(0, -1);
        if (bodies && response) open += `${open.length > 1 ? "," : ""}"response":${JSON.stringify(response)}`;
        queue.push({
          open,
          requestBody: bodies && typeof request_body === "string" ? request_body : undefined,
          responseBody: bodies && typeof response_body === "string" ? response_body : undefined,
          hints,
        });
        scheduled ??= setTimeout(flush, FLUSH_INTERVAL_MS).unref();
      } catch (error) {
        report("cannot serialise a record", error);
      }
    },
    close() {
      if (closing) return closing;
      if (scheduled) {
        clearTimeout(scheduled as NodeJS.Timeout);
        clearImmediate(scheduled as NodeJS.Immediate);
      }
      flush(true);
      closing = file.close();
      return closing;
    },
  };
}

let idPool = Buffer.alloc(0);
let idOffset = 0;

/** `bytes` random bytes as hex. Drawn 4 KiB at a time: one syscall for hundreds of ids instead of one each. */
function randomHex(bytes: number): string {
  if (idOffset + bytes > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  const hex = idPool.toString("hex", idOffset, idOffset + bytes);
  idOffset += bytes;
  return hex;
}

/** `req_` + 24 hex digits. */
export function newRequestId(): string {
  return "req_" + randomHex(12);
}

const TRACE_PARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE = "0".repeat(32);

/** The trace id of an incoming W3C `traceparent` header when it is valid, else a new one (32 hex digits). */
export function traceIdOf(traceparent: string | undefined): string {
  if (traceparent !== undefined) {
    const match = TRACE_PARENT.exec(traceparent);
    if (match !== null && match[1] !== ZERO_TRACE) return match[1]!;
  }
  return randomHex(16);
}

/** Status logged when the client went away before the response finished (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** Milliseconds to the microsecond, as every latency in the log is written. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** What every POST endpoint knows about a request by the time it logs it. */
export interface LoggedRequest {
  readonly api: "openai" | "anthropic";
  readonly path: string;
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly receivedAt: number;
  /** Date.now() when the request arrived. */
  readonly time: number;
  readonly attempts: AttemptRecord[];
  readonly route: { readonly id: string } | null;
  readonly model: string | null;
  readonly stream: boolean;
  /** The request body as received, when it was read. */
  readonly raw: string | undefined;
  readonly traceId: string;
  readonly identity: ClientIdentity;
}

/** The fields every log line has; the endpoint adds usage, bodies and errors. */
export function baseRecord(request: LoggedRequest, status: number): RequestLogRecord {
  const identity = request.identity;
  const record: RequestLogRecord = {
    id: request.requestId,
    time: new Date(request.time).toISOString(),
    trace_id: request.traceId,
    key_id: identity.keyId,
    // undefined for anonymous requests: JSON.stringify leaves it out.
    key_name: identity.account?.name,
    client_ip: identity.ip,
    route: request.route?.id ?? null,
    api: request.api,
    path: request.path,
    model: request.model,
    stream: request.stream,
    attempts: request.attempts,
    status,
    latency_ms: roundMs(performance.now() - request.receivedAt),
    upstream_latency_ms: null,
    ttfb_ms: null,
    usage: null,
  };
  if (request.raw !== undefined) record.request_body = request.raw;
  return record;
}
