// The request log's one writer. Every request's record arrives here from the recorder (runtime/server.ts)
// while the response may still be relaying, so `write` only admits the record to the sink's bounded queue
// (or drops and counts it), takes a snapshot of its small fields and queues it. Bodies are redacted and
// spliced in, secrets removed and batches handed to the sink on later turns of the event loop; no failure
// ever reaches the caller, and a slow or absent sink costs a request nothing but that snapshot.
//
// Sinks (sinks/): JSONL files (default), SQLite, PostgreSQL, chosen by `logs.sink`. The queue between
// is sink-queue.ts; redaction is redact.ts (configured rules) and secrets.ts (keys, always).
import type { LogSettings } from "../contract.ts";
import { assembleStreamResponse, type BodyHints, type RequestLogRecord } from "./request-log.ts";
import { appLog } from "./app-log.ts";
import { redactRaw, redactValue, type LogRedaction } from "./redact.ts";
import { redactSecrets } from "./secrets.ts";
import { SinkQueue, type SinkHealth } from "./sink-queue.ts";
import { createSink, parseSink } from "./sinks/open.ts";
import { describeError, type LogEntry, type LogSink } from "./sinks/types.ts";

export type RequestLogSettings = LogSettings;

export interface RequestLog {
  /** Queues one record. Never throws, never waits. */
  write(record: RequestLogRecord, hints?: BodyHints): void;
  /** Opens the sink (its migrations) and starts retention; waits at most `waitMs` for the sink, never rejects. */
  start(waitMs?: number): Promise<void>;
  /** Records that never reached the sink since start: the queue was full, the sink refused them, or shutdown came first. */
  dropped(): number;
  /** For /health: the sink's kind, records queued and dropped. */
  health(): SinkHealth;
  /** Writes what is queued until `deadline` (Date.now() ms, default 10 s from now) and closes the sink; later writes are dropped. */
  close(deadline?: number): Promise<void>;
}

export interface RequestLogOptions {
  /** Replaces the sink logs.sink names (tests). */
  readonly sink?: LogSink;
  /** Where sink trouble is reported; default stderr. */
  readonly report?: (message: string) => void;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Called after each write to the sink settles (the log worker reports progress to the event loop). */
  readonly onSettled?: () => void;
}

export const DEFAULT_QUEUE_SIZE = 10_000;

/** Past this many characters held for the sink (a stalled one), records are dropped instead of held in memory. */
export const MAX_QUEUED_CHARS = 64 * 1024 * 1024;

/** How much log text one event-loop turn may finish (redaction and splicing are linear in it). */
const FLUSH_BUDGET_CHARS = 1 << 20;

/**
 * Lines are finished and handed to the sink in batches at most this long after the first is queued: one
 * write (one thread-pool round trip, one INSERT) per batch instead of one per request, which a busy gateway notices.
 */
const FLUSH_INTERVAL_MS = 25;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Raw line breaks may appear in valid JSON only as whitespace between tokens, never inside strings. */
const LINE_BREAKS = /[\r\n]/g;

/** What a record's admission to the queue is charged before its line exists: its bodies and this much for the rest. */
export const RECORD_OVERHEAD_CHARS = 1024;

/** A queued line: the record's JSON without its closing brace, plus the raw bodies still to splice in. */
interface PendingLine {
  readonly open: string;
  readonly requestBody: string | undefined;
  readonly responseBody: string | undefined;
  /** The assembled stream response as JSON text. */
  readonly response: string | undefined;
  readonly hints: BodyHints | undefined;
  /** What admission was charged. */
  readonly chars: number;
  readonly id: string;
  readonly time: string;
  readonly keyId: string | null;
  readonly route: string | null;
  readonly model: string | null;
  readonly status: number;
  readonly latencyMs: number;
  readonly usage: RequestLogRecord["usage"];
  readonly costUsd: number | undefined;
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

/** A body for the line: with redaction rules it is parsed, redacted and re-serialised; without, spliced as received. */
function bodyValue(raw: string, knownJson: boolean | undefined, redact: LogRedaction | undefined): string {
  if (redact === undefined) return rawJsonValue(raw, knownJson);
  const redacted = redactRaw(raw, redact);
  return redacted.json ? redacted.text : JSON.stringify(redacted.text);
}

export function finishLine(pending: PendingLine, redact: LogRedaction | undefined): string {
  let line = pending.open;
  let separator = line.length > 1 ? "," : "";
  if (pending.requestBody !== undefined) {
    line += `${separator}"request_body":${bodyValue(pending.requestBody, pending.hints?.requestBodyIsJson, redact)}`;
    separator = ",";
  }
  if (pending.responseBody !== undefined) {
    line += `${separator}"response_body":${bodyValue(pending.responseBody, pending.hints?.responseBodyIsJson, redact)}`;
    separator = ",";
  }
  if (pending.response !== undefined) {
    line += `${separator}"response":${redact === undefined ? pending.response : JSON.stringify(redactValue(JSON.parse(pending.response), redact))}`;
  }
  return redactSecrets(line + "}");
}

function entryOf(pending: PendingLine, line: string): LogEntry {
  const usage = pending.usage;
  return {
    id: pending.id,
    time: Date.parse(pending.time),
    keyId: pending.keyId,
    route: pending.route,
    model: pending.model,
    status: pending.status,
    latencyMs: pending.latencyMs,
    inputTokens: usage?.input_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    cacheReadTokens: usage?.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage?.cache_creation_input_tokens ?? 0,
    costUsd: pending.costUsd ?? null,
    line,
  };
}

function reportToAppLog(message: string): void {
  appLog.error(message);
}

export function openRequestLog(settings: RequestLogSettings, options: RequestLogOptions = {}): RequestLog {
  const { bodies, redact } = settings;
  const report = options.report ?? reportToAppLog;
  const sink = options.sink ?? createSink(parseSink(settings.sink ?? "jsonl", settings.dir), { maxSizeBytes: settings.maxSizeBytes, report });
  const queue = new SinkQueue(sink, {
    maxRecords: settings.queueSize ?? DEFAULT_QUEUE_SIZE,
    maxChars: MAX_QUEUED_CHARS,
    report,
    retryBaseMs: options.retryBaseMs,
    retryMaxMs: options.retryMaxMs,
    onSettled: options.onSettled,
  });
  let pending: PendingLine[] = [];
  let scheduled: NodeJS.Timeout | NodeJS.Immediate | null = null;
  let closing: Promise<void> | null = null;
  let accepting = true;
  let retention: NodeJS.Timeout | null = null;
  let serialiseReported = false;

  function serialiseFailed(error: unknown): void {
    if (serialiseReported) return;
    serialiseReported = true;
    report(`request log cannot serialise a record: ${describeError(error)}; further such errors are not reported`);
  }

  /** Finishes queued lines, at most about FLUSH_BUDGET_CHARS per turn unless `all` (at close). */
  function flush(all = false): void {
    scheduled = null;
    let taken = 0;
    let chars = 0;
    while (taken < pending.length && (all || chars < FLUSH_BUDGET_CHARS)) {
      const line = pending[taken++]!;
      try {
        const text = finishLine(line, redact);
        chars += text.length;
        queue.push(entryOf(line, text), line.chars);
      } catch (error) {
        queue.abandon(line.chars);
        serialiseFailed(error);
      }
    }
    pending = taken === pending.length ? [] : pending.slice(taken);
    // Large bodies are spread over several turns so that other requests' I/O runs in between.
    if (pending.length > 0 && !all) scheduled = setImmediate(flush);
    queue.pump();
  }

  let retentionRunning = false;
  function applyRetention(days: number): void {
    if (retentionRunning || !accepting) return;
    retentionRunning = true;
    sink
      .deleteBefore(Date.now() - days * DAY_MS)
      .then(
        (deleted) => {
          if (deleted > 0) report(`request log retention (${days} days): deleted ${deleted} ${sink.kind === "jsonl" ? "files" : "records"} from ${sink.where}`);
        },
        (error: unknown) => report(`request log retention on ${sink.where} failed: ${describeError(error)}; trying again in an hour`),
      )
      .finally(() => {
        retentionRunning = false;
      });
  }

  return {
    write(record, hints) {
      if (!accepting) return;
      const { request_body, response_body, response, response_stream } = record;
      const requestBody = bodies && typeof request_body === "string" ? request_body : undefined;
      const responseBody = bodies && typeof response_body === "string" ? response_body : undefined;
      const stream = bodies ? response_stream : undefined;
      // A stream's bytes bound the text assembled from them (JSON escapes and UTF-8 only shrink it).
      const admitted = (requestBody?.length ?? 0) + (responseBody?.length ?? 0) + (stream?.bytes.byteLength ?? 0) + RECORD_OVERHEAD_CHARS;
      if (!queue.admit(admitted)) return;
      try {
        // Bodies are spliced in later; JSON.stringify skips undefined fields, which is much cheaper than
        // copying the record without them (object rest is a slow path in V8, ~5 µs a request).
        record.request_body = record.response_body = record.response = undefined;
        if (response_stream !== undefined) record.response_stream = undefined;
        let json: string;
        try {
          json = JSON.stringify(record);
        } finally {
          record.request_body = request_body;
          record.response_body = response_body;
          record.response = response;
          if (response_stream !== undefined) record.response_stream = response_stream;
        }
        // In the request log's thread (log-worker.ts) this is where a stream's text and tool calls are assembled.
        const logged = stream !== undefined && response === undefined ? assembleStreamResponse(stream) : response;
        pending.push({
          open: json.slice(0, -1),
          requestBody,
          responseBody,
          response: bodies && logged ? JSON.stringify(logged) : undefined,
          hints,
          chars: admitted,
          id: record.id,
          time: record.time,
          keyId: record.key_id,
          route: record.route,
          model: record.model,
          status: record.status,
          latencyMs: record.latency_ms,
          usage: record.usage,
          costUsd: record.cost_usd,
        });
        scheduled ??= setTimeout(flush, FLUSH_INTERVAL_MS).unref();
      } catch (error) {
        queue.abandon(admitted);
        serialiseFailed(error);
      }
    },
    async start(waitMs = 2000) {
      await queue.start(waitMs);
      const days = settings.retentionDays;
      if (days !== undefined && days > 0 && retention === null && !closing) {
        applyRetention(days);
        retention = setInterval(() => applyRetention(days), HOUR_MS).unref();
      }
    },
    dropped: () => queue.dropped(),
    health: () => queue.health(),
    close(deadline = Date.now() + 10_000) {
      closing ??= (async () => {
        if (retention !== null) clearInterval(retention);
        // A whole (non-stream) response is recorded on the turn after it went out (endpoints/chat.ts finish),
        // after its request left `inflight`: shutdown comes here once those settle, so one more turn lets
        // the last such records in before the log stops taking them.
        await new Promise((resolve) => setImmediate(resolve));
        accepting = false;
        if (scheduled) {
          clearTimeout(scheduled as NodeJS.Timeout);
          clearImmediate(scheduled as NodeJS.Immediate);
        }
        flush(true);
        await queue.close(deadline);
      })();
      return closing;
    },
  };
}
