// The request log in a worker thread. Serialising a record, splicing and redacting its bodies and writing the
// line cost the event loop about a tenth of its CPU per request; here the event loop only admits each record
// to the bounded queue (O(1): counters, as sink-queue.ts does) and hands the records of up to HAND_OVER_MS to
// the worker in ONE postMessage, as they are (a structured clone: the raw bodies are copied once as the strings
// they already are, never serialised). The worker runs the ordinary writer (writer.ts) with the sink, so
// JSONL, SQLite and PostgreSQL, retention, redaction and the shutdown bound are the same code either way.
//
// The worker is the bundle itself, started again with `workerData.role`: runtime/start.ts's main() sees the
// role and runs runRequestLogWorker with the gateway built in that thread, so the compiled redaction rules
// (generated code, which cannot be posted) and the upstream keys (registered by the build) are its own. Other
// secrets (admin key, tracing headers) are registered on the event loop at start and forwarded.
//
// A streamed response arrives as its raw bytes and api (`response_stream`), not assembled: the bytes' buffer is
// transferred with the message (moved, not copied) and the worker's writer assembles the text and tool calls
// (request-log.ts assembleStreamResponse), so every event's parse happens in this thread, not the event loop's.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { LogSettings } from "../contract.ts";
import { appLog } from "./app-log.ts";
import type { BodyHints, RequestLogRecord } from "./request-log.ts";
import { followSecrets, registerSecret } from "./secrets.ts";
import type { SinkHealth } from "./sink-queue.ts";
import { parseSink } from "./sinks/open.ts";
import { describeError } from "./sinks/types.ts";
import { DEFAULT_QUEUE_SIZE, MAX_QUEUED_CHARS, openRequestLog, RECORD_OVERHEAD_CHARS, type RequestLog } from "./writer.ts";

/**
 * Records are handed over at most this long after they end, or at once when HAND_OVER_RECORDS wait. A message
 * per loop turn cost about as much as the rest of the log (postMessage's fixed cost, and the worker's status
 * reply, paid per request at moderate load); a few milliseconds' delay to a log line costs no one anything.
 */
const HAND_OVER_MS = 10;
const HAND_OVER_RECORDS = 256;

/** `workerData.role` of the bundle started as the request-log thread. */
export const REQUEST_LOG_WORKER = "switchyard-request-log";

type ToWorker =
  | { op: "records"; records: RequestLogRecord[]; hints: (BodyHints | undefined)[] }
  | { op: "secrets"; values: string[] }
  | { op: "start"; waitMs: number }
  | { op: "close"; deadline: number };

type FromWorker =
  | { op: "status"; finished: number; dropped: number; state: SinkHealth["state"] }
  | { op: "started" }
  | { op: "report"; message: string }
  | { op: "closed"; finished: number; dropped: number };

interface WorkerData {
  readonly role: typeof REQUEST_LOG_WORKER;
  readonly secrets: string[];
}

/** Whether this thread was started as the request-log worker. */
export function isRequestLogWorker(): boolean {
  return !isMainThread && (workerData as Partial<WorkerData> | null)?.role === REQUEST_LOG_WORKER;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}

/**
 * The event loop's side: a RequestLog whose writing happens in a worker started from `entry` (the bundle).
 * Admission keeps logs.queue_size's meaning: records handed over and not yet stored or dropped by the worker
 * count against it, and what never reaches the sink is counted in dropped() as before.
 */
export function openWorkerRequestLog(settings: LogSettings, entry: string | URL, report: (message: string) => void = (m) => appLog.error(m)): RequestLog {
  const target = parseSink(settings.sink ?? "jsonl", settings.dir);
  const kind = target.kind;
  // As the sink names itself (sinks/), so messages read the same whichever thread reports them.
  const where = target.kind === "jsonl" ? target.dir : target.kind === "sqlite" ? `sqlite:${target.file}` : target.where;
  const maxRecords = settings.queueSize ?? DEFAULT_QUEUE_SIZE;
  const bodies = settings.bodies;
  const initial = followSecrets((value) => worker.postMessage({ op: "secrets", values: [value] } satisfies ToWorker));
  const worker = new Worker(entry, { workerData: { role: REQUEST_LOG_WORKER, secrets: initial } satisfies WorkerData });
  // Idle, the thread must not keep the process alive; close() holds it while the last records are written.
  worker.unref();

  let records: RequestLogRecord[] = [];
  let hints: (BodyHints | undefined)[] = [];
  let handOverTimer: NodeJS.Timeout | null = null;
  let accepting = true;
  let dead = false;
  /** Records handed over (or about to be) and not yet settled by the worker, and the characters admitted for them. */
  let held = 0;
  let heldChars = 0;
  /** What admission charged each held record, oldest first (the worker settles them in order). */
  let charges: number[] = [];
  let chargeHead = 0;
  /** Records the worker has settled (stored or dropped), as of its last status. */
  let finished = 0;
  let droppedHere = 0;
  let droppedThere = 0;
  let state: SinkHealth["state"] = "ok";
  let dropReportedAt = -Infinity;
  let started: (() => void) | null = null;
  let closed: ((reply: { finished: number; dropped: number } | null) => void) | null = null;
  let closing: Promise<void> | null = null;

  function settle(total: number): void {
    for (; finished < total && chargeHead < charges.length; finished++) {
      heldChars -= charges[chargeHead++]!;
      held--;
    }
    finished = total;
    // Compacted now and then rather than shifted per record.
    if (chargeHead > 4096 && chargeHead * 2 > charges.length) {
      charges = charges.slice(chargeHead);
      chargeHead = 0;
    }
  }

  function drop(why: string): void {
    droppedHere++;
    const now = Date.now();
    if (now - dropReportedAt >= 60_000) {
      dropReportedAt = now;
      report(`request log sink ${where}: ${why}; dropping records (${droppedHere + droppedThere} so far, counted in /health log.dropped)`);
    }
  }

  /** One message for every record that ended since the last. */
  function handOver(): void {
    if (handOverTimer !== null) {
      clearTimeout(handOverTimer);
      handOverTimer = null;
    }
    if (records.length === 0) return;
    const message: ToWorker = { op: "records", records, hints };
    // Streams' bytes move to the worker rather than being cloned (each is a buffer of its own: stream-tap.ts).
    const transfer: ArrayBuffer[] = [];
    for (const record of records) {
      const stream = record.response_stream;
      if (stream !== undefined) transfer.push(stream.bytes.buffer as ArrayBuffer);
    }
    records = [];
    hints = [];
    try {
      worker.postMessage(message, transfer);
    } catch (error) {
      // A record that cannot be cloned (it never should: records are plain data): count the batch as dropped.
      report(`request log cannot hand records to its thread: ${describeError(error)}`);
      droppedHere += message.records.length;
      settleLost(message.records.length);
    }
  }

  /** `n` held records that will never be settled by the worker. */
  function settleLost(n: number): void {
    // They are the newest ones: un-charge from the tail.
    for (let i = 0; i < n && charges.length > chargeHead; i++) {
      heldChars -= charges.pop()!;
      held--;
    }
  }

  worker.on("message", (message: FromWorker) => {
    if (message.op === "status") {
      droppedThere = message.dropped;
      state = message.state;
      settle(message.finished);
    } else if (message.op === "started") {
      started?.();
    } else if (message.op === "report") {
      report(message.message);
    } else {
      closed?.(message);
    }
  });
  worker.on("error", (error) => report(`request log thread failed: ${describeError(error)}`));
  worker.on("exit", () => {
    if (closing !== null) {
      closed?.(null);
      return;
    }
    dead = true;
    report(`request log thread stopped; ${held} records it held are lost and later records are dropped`);
    droppedHere += held;
    held = heldChars = 0;
    started?.();
  });

  return {
    write(record, hint) {
      if (!accepting) return;
      if (dead) return void drop("the request log thread stopped");
      const { request_body, response_body, response_stream } = record;
      const chars =
        (bodies && typeof request_body === "string" ? request_body.length : 0) +
        (bodies && typeof response_body === "string" ? response_body.length : 0) +
        (bodies && response_stream !== undefined ? response_stream.bytes.byteLength : 0) +
        RECORD_OVERHEAD_CHARS;
      if (held >= maxRecords || (heldChars + chars > MAX_QUEUED_CHARS && held > 0)) return void drop("the queue is full");
      held++;
      heldChars += chars;
      charges.push(chars);
      records.push(record);
      hints.push(hint);
      if (records.length >= HAND_OVER_RECORDS) handOver();
      else handOverTimer ??= setTimeout(handOver, HAND_OVER_MS);
    },
    async start(waitMs = 2000) {
      if (dead) return;
      const ready = new Promise<void>((resolve) => (started = resolve));
      worker.ref();
      worker.postMessage({ op: "start", waitMs } satisfies ToWorker);
      // The thread builds its gateway first: allow it a moment beyond the sink's own wait.
      await Promise.race([ready, sleep(waitMs + 2000)]);
      started = null;
      worker.unref();
    },
    dropped: () => droppedHere + droppedThere,
    health: () => ({ sink: kind, queued: held, dropped: droppedHere + droppedThere, state }),
    close(deadline = Date.now() + 10_000) {
      closing ??= (async () => {
        // As writer.ts: one more turn lets the records of whole responses that just went out in.
        await new Promise((resolve) => setImmediate(resolve));
        accepting = false;
        handOver();
        if (dead) return;
        const reply = new Promise<{ finished: number; dropped: number } | null>((resolve) => (closed = resolve));
        worker.ref();
        worker.postMessage({ op: "close", deadline } satisfies ToWorker);
        const last = await Promise.race([reply, sleep(deadline - Date.now() + 2000).then(() => null)]);
        if (last !== null) {
          droppedThere = last.dropped;
          settle(last.finished);
        }
        if (held > 0) {
          report(`request log sink ${where}: ${held} records not written by the shutdown deadline`);
          droppedHere += held;
          held = heldChars = 0;
        }
        await worker.terminate();
      })();
      return closing;
    },
  };
}

/** The worker's side: the ordinary writer, fed by the event loop's messages. Runs in the bundle's worker thread. */
export function runRequestLogWorker(settings: LogSettings): void {
  const port = parentPort!;
  for (const value of (workerData as WorkerData).secrets) registerSecret(value);
  let received = 0;
  let statusScheduled = false;
  function status(): void {
    statusScheduled = false;
    const health = log.health();
    port.postMessage({ op: "status", finished: received - health.queued, dropped: health.dropped, state: health.state } satisfies FromWorker);
  }
  const log = openRequestLog(settings, {
    // Reported through the event loop's application log, in order with the rest of its output.
    report: (message) => port.postMessage({ op: "report", message } satisfies FromWorker),
    onSettled() {
      if (statusScheduled) return;
      statusScheduled = true;
      setImmediate(status);
    },
  });
  port.on("message", (message: ToWorker) => {
    switch (message.op) {
      case "records":
        for (let i = 0; i < message.records.length; i++) log.write(message.records[i]!, message.hints[i]);
        received += message.records.length;
        return;
      case "secrets":
        for (const value of message.values) registerSecret(value);
        return;
      case "start":
        void log.start(message.waitMs).then(() => port.postMessage({ op: "started" } satisfies FromWorker));
        return;
      case "close":
        void log.close(message.deadline).then(() => {
          port.postMessage({ op: "closed", finished: received, dropped: log.dropped() } satisfies FromWorker);
          port.close();
        });
        return;
    }
  });
}
