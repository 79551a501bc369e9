// The request log: one JSON line per request in <dir>/requests-YYYY-MM-DD.jsonl (UTC day), and past the
// size limit requests-YYYY-MM-DD.1.jsonl, .2, ... It sits beside response relaying, so `write` only takes
// a snapshot of the record's small fields and queues it; bodies are spliced in, secrets redacted and the
// batch written on a later turn of the event loop (setImmediate), and no failure ever reaches the caller.
//
// Rotation is rotating-file-stream in `immutable` mode: every file is opened under its final name (no
// rename of a live file), the day boundary is computed in UTC, and size rotation asks the name generator
// for index 1, 2, 3, ... until it finds a file with room, which maps directly onto our `.N` suffixes.
// Two consequences of its design: the size check follows each write, so a file can pass the limit by
// one batch; and the next file is created as soon as one fills, so `close` removes it if it stayed empty.

import { randomBytes } from "node:crypto";
import { stat, unlink } from "node:fs/promises";
import { finished } from "node:stream";
import { createStream, type RotatingFileStream } from "rotating-file-stream";
import { redactSecrets } from "./secrets.ts";
import type { Usage } from "./usage.ts";

export interface AttemptRecord {
  provider: string;
  model: string;
  status: number | null;
  latency_ms: number;
  error?: string;
  skipped?: string;
}

export interface RequestLogRecord {
  id: string;
  time: string;
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
  write(record: RequestLogRecord): void;
  /** Writes everything queued and closes the file; later writes are dropped. */
  close(): Promise<void>;
}

/** Past this much unwritten data (a stalled disk), batches are dropped instead of held in memory. */
const MAX_UNWRITTEN_BYTES = 64 * 1024 * 1024;

/** How much log text one event-loop turn may finish (redaction and splicing are linear in it). */
const FLUSH_BUDGET_CHARS = 1 << 20;

/** Raw line breaks may appear in valid JSON only as whitespace between tokens, never inside strings. */
const LINE_BREAKS = /[\r\n]/g;

/** A queued line: the record's JSON without its closing brace, plus the raw bodies still to splice in. */
interface PendingLine {
  readonly open: string;
  readonly requestBody: string | undefined;
  readonly responseBody: string | undefined;
}

/** File name for a UTC day; `index` counts files within the day from 1 (rotating-file-stream's convention). */
export function requestLogFileName(time: number | Date | null, index?: number): string {
  const day = (time === null ? new Date() : new Date(time)).toISOString().slice(0, 10);
  return index && index > 1 ? `requests-${day}.${index - 1}.jsonl` : `requests-${day}.jsonl`;
}

/** A raw body as a JSON value: itself on one line when it is valid JSON, otherwise as a JSON string. */
function rawJsonValue(raw: string): string {
  try {
    JSON.parse(raw);
  } catch {
    return JSON.stringify(raw);
  }
  return raw.replace(LINE_BREAKS, " ");
}

function finishLine(pending: PendingLine): string {
  let line = pending.open;
  let separator = line.length > 1 ? "," : "";
  if (pending.requestBody !== undefined) {
    line += `${separator}"request_body":${rawJsonValue(pending.requestBody)}`;
    separator = ",";
  }
  if (pending.responseBody !== undefined) line += `${separator}"response_body":${rawJsonValue(pending.responseBody)}`;
  return redactSecrets(line + "}");
}

/** Drops the file a size rotation opened but nothing was written to. */
async function removeIfEmpty(file: string | null): Promise<void> {
  if (!file) return;
  try {
    if ((await stat(file)).size === 0) await unlink(file);
  } catch {
    // Already gone or unreadable: nothing to tidy.
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function openRequestLog(settings: RequestLogSettings): RequestLog {
  const { dir, bodies } = settings;
  const size = Number.isFinite(settings.maxSizeBytes) && settings.maxSizeBytes >= 1
    ? (`${Math.floor(settings.maxSizeBytes)}B` as const)
    : undefined;
  let stream: RotatingFileStream | null = null;
  /** Full path of the file the stream currently appends to. */
  let currentFile: string | null = null;
  let queue: PendingLine[] = [];
  let scheduled: NodeJS.Immediate | null = null;
  let closing: Promise<void> | null = null;
  let reported = false;

  // A broken log must not flood stderr at request rate: the first problem is reported, the rest are not.
  function report(what: string, error: unknown): void {
    if (reported) return;
    reported = true;
    process.stderr.write(`switchyard: request log ${what} (${dir}): ${describe(error)}; further log errors are not reported\n`);
  }

  function openStream(): RotatingFileStream | null {
    try {
      const opened = createStream(requestLogFileName, {
        path: dir,
        interval: "1d",
        intervalUTC: true,
        immutable: true,
        ...(size ? { size } : {}),
      });
      // The stream is dead after an error; the next batch opens a fresh one (say, once the disk has room).
      opened.on("open", (file: string) => {
        currentFile = file;
      });
      opened.on("error", (error) => {
        report("write failed", error);
        if (stream === opened) stream = null;
      });
      return opened;
    } catch (error) {
      report("cannot open", error);
      return null;
    }
  }

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
    stream ??= openStream();
    if (!stream || text === "") return;
    if (stream.writableLength > MAX_UNWRITTEN_BYTES) {
      report("is not keeping up; dropping records", new Error(`${stream.writableLength} bytes unwritten`));
      return;
    }
    stream.write(text);
  }

  return {
    write(record) {
      if (closing) return;
      try {
        const { request_body, response_body, response, ...rest } = record;
        const json = JSON.stringify(rest);
        let open = json.slice(0, -1);
        if (bodies && response) open += `${open.length > 1 ? "," : ""}"response":${JSON.stringify(response)}`;
        queue.push({
          open,
          requestBody: bodies && typeof request_body === "string" ? request_body : undefined,
          responseBody: bodies && typeof response_body === "string" ? response_body : undefined,
        });
        scheduled ??= setImmediate(flush);
      } catch (error) {
        report("cannot serialise a record", error);
      }
    },
    close() {
      if (closing) return closing;
      if (scheduled) clearImmediate(scheduled);
      flush(true);
      const last = stream;
      stream = null;
      closing = new Promise<void>((resolve) => {
        if (!last) return resolve();
        finished(last, () => resolve());
        last.end();
      }).then(() => removeIfEmpty(currentFile));
      return closing;
    },
  };
}

const ID_BYTES = 12;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** `req_` + 24 hex digits. Random bytes are drawn 256 ids at a time: one syscall instead of one per request. */
export function newRequestId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 256);
    idOffset = 0;
  }
  const id = "req_" + idPool.toString("hex", idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return id;
}
