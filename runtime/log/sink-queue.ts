// The bounded queue between the request log's writer and its sink. A sink that is slow or down must never
// fail or slow a request, so nothing here is awaited by one: records are admitted (or dropped and counted)
// in O(1) when a request ends, and written in batches, one batch in flight at a time, off the request path.
//
// - Bounded twice: by records (logs.queue_size) and by characters, since a stalled sink must not fill memory
//   with 4 MB bodies either. A record that does not fit is dropped at once, and counted: `dropped()` is the
//   truth about what never reached the sink (metrics and /health read it).
// - A failed batch stays at the head of the queue and is retried after an exponential backoff with jitter
//   (250 ms doubling to 10 s), so an outage costs the sink one attempt per backoff, not one per request.
// - A failure the sink blames on the records (bad data, e.g. a string PostgreSQL's jsonb refuses) would
//   otherwise block the queue forever: that batch is retried one record at a time, and a record that fails
//   alone is dropped, counted and reported.
// - close() writes what is queued until a deadline (the shutdown bound), then counts the rest as dropped.
import { describeError, type LogEntry, type LogSink } from "./sinks/types.ts";

export interface SinkQueueOptions {
  /** Records held (waiting and being written) before new ones are dropped. */
  readonly maxRecords: number;
  /** Characters held, likewise. */
  readonly maxChars: number;
  /** Where problems are reported (the first of each outage, and its end). */
  readonly report: (message: string) => void;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Largest batch handed to the sink at once. */
  readonly batchRecords?: number;
  readonly batchChars?: number;
  /** Called after each write attempt settles (records stored, refused or left to retry). */
  readonly onSettled?: () => void;
}

export interface SinkHealth {
  readonly sink: LogSink["kind"];
  /** Records waiting for the sink, the batch being written included. */
  readonly queued: number;
  /** Records that never reached it since start: queue full, refused by the sink, or still queued at shutdown. */
  readonly dropped: number;
  /** "retrying" while the sink fails and the queue backs off. */
  readonly state: "ok" | "retrying";
}

const DEFAULT_BATCH_RECORDS = 1000;
const DEFAULT_BATCH_CHARS = 8 << 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}

export class SinkQueue {
  private ready: LogEntry[] = [];
  /** Admitted records (not yet finished, waiting, or being written) and their size. */
  private heldRecords = 0;
  private heldChars = 0;
  private droppedCount = 0;
  private writing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private opening: Promise<void> | null = null;
  private closing = false;
  /** After close(): a write still in flight at the deadline has been counted as dropped already. */
  private closed = false;
  /** Consecutive failed attempts; 0 while the sink is healthy. */
  private failures = 0;
  private outageStarted = 0;
  /** dropped() when the sink last stored a batch: what an outage's report counts from. */
  private droppedAtSuccess = 0;
  /** When a drop was last reported: at most one report a minute. */
  private dropReportedAt = -Infinity;
  /** The next this-many records are written one at a time (a batch held a record the sink refuses). */
  private isolate = 0;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly batchRecords: number;
  private readonly batchChars: number;

  constructor(
    readonly sink: LogSink,
    private readonly options: SinkQueueOptions,
  ) {
    this.retryBaseMs = options.retryBaseMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    this.batchRecords = options.batchRecords ?? DEFAULT_BATCH_RECORDS;
    this.batchChars = options.batchChars ?? DEFAULT_BATCH_CHARS;
  }

  /** Room for one more record of about `chars`: it is held from now on. False: it is dropped (and counted). */
  admit(chars: number): boolean {
    if (this.closing || this.heldRecords >= this.options.maxRecords || (this.heldChars + chars > this.options.maxChars && this.heldRecords > 0)) {
      this.drop(1, "the queue is full");
      return false;
    }
    this.heldRecords++;
    this.heldChars += chars;
    return true;
  }

  /** An admitted record that will never arrive (it could not be serialised): counted as dropped. */
  abandon(chars: number): void {
    this.heldRecords--;
    this.heldChars -= chars;
    this.droppedCount++;
  }

  /** An admitted record, finished: `admittedChars` is what admit() was told. */
  push(entry: LogEntry, admittedChars: number): void {
    this.heldChars += entry.line.length - admittedChars;
    this.ready.push(entry);
  }

  /** Starts a write when none is in flight and the queue is not backing off. */
  pump(): void {
    if (this.writing !== null || this.retryTimer !== null || this.closing || this.ready.length === 0) return;
    this.writing = this.writeBatch().finally(() => {
      this.writing = null;
      this.options.onSettled?.();
      if (!this.closing) this.pump();
    });
  }

  dropped(): number {
    return this.droppedCount;
  }

  health(): SinkHealth {
    return { sink: this.sink.kind, queued: this.heldRecords, dropped: this.droppedCount, state: this.failures > 0 ? "retrying" : "ok" };
  }

  /** Opens the sink now (migrations at start); resolves when it is open or `waitMs` passed, never rejects. */
  async start(waitMs: number): Promise<void> {
    await Promise.race([this.open().catch((error: unknown) => this.failed(error)), sleep(waitMs)]);
  }

  /** One open at a time; a failed one is tried again by the next write. */
  private open(): Promise<void> {
    this.opening ??= this.sink.open().catch((error: unknown) => {
      this.opening = null;
      throw error;
    });
    return this.opening;
  }

  /** Writes what is queued until `deadline` (Date.now() ms), counts what is left as dropped, closes the sink. */
  async close(deadline: number): Promise<void> {
    this.closing = true;
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    while (this.ready.length > 0 || this.writing !== null) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      if (this.writing !== null) {
        await Promise.race([this.writing, sleep(left)]);
        continue;
      }
      if (this.failures > 0) await sleep(Math.min(this.backoff(), deadline - Date.now()));
      if (Date.now() >= deadline) break;
      this.writing = this.writeBatch().finally(() => {
        this.writing = null;
      });
    }
    const left = this.heldRecords;
    if (left > 0) {
      this.droppedCount += left;
      this.options.report(`request log sink ${this.sink.where}: ${left} records not written by the shutdown deadline`);
    }
    this.ready = [];
    this.heldRecords = 0;
    this.heldChars = 0;
    this.closed = true;
    await Promise.race([this.sink.close().catch(() => {}), sleep(Math.max(500, deadline - Date.now()))]);
  }

  private takeBatch(): LogEntry[] {
    const limit = this.isolate > 0 ? 1 : this.batchRecords;
    let chars = 0;
    let n = 0;
    while (n < this.ready.length && n < limit && (n === 0 || chars + this.ready[n]!.line.length <= this.batchChars)) chars += this.ready[n++]!.line.length;
    if (this.isolate > 0) this.isolate--;
    return this.ready.splice(0, n);
  }

  private async writeBatch(): Promise<void> {
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    try {
      await this.open();
      await this.sink.write(batch);
    } catch (error) {
      if (this.closed) return;
      this.ready.unshift(...batch);
      if (this.opening !== null && this.sink.isRecordError(error)) return this.refused(batch, error);
      this.failed(error);
      return;
    }
    this.release(batch);
    if (this.failures > 0) this.recovered();
    this.droppedAtSuccess = this.droppedCount;
  }

  private release(batch: readonly LogEntry[]): void {
    if (this.closed) return;
    this.heldRecords -= batch.length;
    for (const entry of batch) this.heldChars -= entry.line.length;
  }

  /** The sink refused these records: one at a time from here, and a record refused alone is dropped. */
  private refused(batch: readonly LogEntry[], error: unknown): void {
    if (batch.length > 1) {
      this.isolate = batch.length;
      return;
    }
    this.ready.shift();
    this.release(batch);
    this.droppedCount++;
    this.options.report(`request log sink ${this.sink.where}: record ${batch[0]!.id} refused and dropped: ${describeError(error)}`);
  }

  private failed(error: unknown): void {
    if (this.failures === 0) {
      this.outageStarted = Date.now();
      this.options.report(`request log sink ${this.sink.where} failed: ${describeError(error)}; retrying with backoff, queueing up to ${this.options.maxRecords} records`);
    }
    this.failures++;
    if (this.closing) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.pump();
    }, this.backoff());
    this.retryTimer.unref();
  }

  private recovered(): void {
    const seconds = ((Date.now() - this.outageStarted) / 1000).toFixed(1);
    this.options.report(`request log sink ${this.sink.where} recovered after ${seconds} s; ${this.droppedCount - this.droppedAtSuccess} records dropped meanwhile`);
    this.failures = 0;
  }

  /** Exponential in the failures so far, capped, with half of it jittered so a fleet does not retry in step. */
  private backoff(): number {
    const ceiling = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.max(0, this.failures - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private drop(n: number, why: string): void {
    this.droppedCount += n;
    const now = Date.now();
    if (now - this.dropReportedAt >= 60_000) {
      this.dropReportedAt = now;
      this.options.report(`request log sink ${this.sink.where}: ${why}; dropping records (${this.droppedCount} so far, counted in /health log.dropped)`);
    }
  }
}
