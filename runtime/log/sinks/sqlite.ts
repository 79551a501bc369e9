// The request log in one SQLite file (better-sqlite3). better-sqlite3 is synchronous: a commit, a disk that
// stalls or another process holding the write lock would stop the event loop and every request with it. So
// the inserts run in a worker thread with its own connection, and the event loop only posts each batch to
// it (a structured clone of its strings). Migrations run once, on the event loop, when the sink opens, with
// no busy wait: a locked file fails the open, which the queue retries with backoff.
//
// The worker's code is the function `sqliteLogWorker`, started from its source with `eval`: the gateway is
// one bundled file, so there is no separate worker file to point a Worker at. It must therefore use nothing
// from its module scope, and it loads modules through the `load` it is handed (a bundler rewrites a bare
// `require(…)`).
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Worker } from "node:worker_threads";
import { migrateSqlite } from "../../store/migrations/apply.ts";
import { LOG_COLUMNS, LOG_MIGRATIONS_TABLE, sqliteLogMigrations } from "./migrations.ts";
import type { LogEntry, LogSink } from "./types.ts";

/** How long the worker waits for another process's write lock before a batch fails (and is retried). */
const WORKER_BUSY_MS = 2000;
/** Retention deletes this many rows per statement, so the file's write lock is never held for long. */
const DELETE_CHUNK = 5000;

const INSERT_SQL = `INSERT OR IGNORE INTO request_log (${LOG_COLUMNS.join(", ")}) VALUES (${LOG_COLUMNS.map(() => "?").join(", ")})`;
const DELETE_SQL = `DELETE FROM request_log WHERE seq IN (SELECT seq FROM request_log WHERE time < ? LIMIT ${DELETE_CHUNK})`;

/** SQLite result codes that are about the data, not the file: retrying the same rows cannot succeed. */
const RECORD_ERRORS = /^SQLITE_(TOOBIG|MISMATCH|CONSTRAINT)/;

interface WorkerSettings {
  readonly driver: string;
  readonly file: string;
  readonly busyMs: number;
  readonly insert: string;
  readonly remove: string;
  readonly chunk: number;
}

type Request = { id: number; op: "insert"; rows: unknown[][] } | { id: number; op: "delete"; before: number } | { id: number; op: "close" };
type Reply = { id: number; ok: true; changes: number } | { id: number; ok: false; message: string; code?: string };

/** Runs in the worker thread, from its source text (see the file comment): self-contained. */
function sqliteLogWorker(load: NodeRequire): void {
  const { parentPort, workerData } = load("node:worker_threads") as typeof import("node:worker_threads");
  const settings = workerData as WorkerSettings;
  const Database = load(settings.driver) as typeof import("better-sqlite3");
  const db = new Database(settings.file, { timeout: settings.busyMs });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Request ids are random, so each insert lands on a random page of the id index: a cache that holds more
  // of it (16 MB rather than 2 MB) keeps a large table's inserts from reading pages back in.
  db.pragma("cache_size = -16384");
  const insert = db.prepare(settings.insert);
  const insertAll = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(row);
  });
  const remove = db.prepare(settings.remove);
  parentPort!.on("message", (request: Request) => {
    let reply: Reply;
    try {
      if (request.op === "close") {
        db.close();
        parentPort!.close();
        return;
      }
      let changes = 0;
      if (request.op === "insert") {
        insertAll.immediate(request.rows);
        changes = request.rows.length;
      } else {
        for (let n = settings.chunk; n === settings.chunk; changes += n) n = remove.run(request.before).changes;
      }
      reply = { id: request.id, ok: true, changes };
    } catch (error) {
      reply = { id: request.id, ok: false, message: (error as Error).message, code: (error as { code?: string }).code };
    }
    parentPort!.postMessage(reply);
  });
}

interface Call {
  resolve(changes: number): void;
  reject(error: Error): void;
}

class SqliteWorkerError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export class SqliteSink implements LogSink {
  readonly kind = "sqlite";
  readonly where: string;
  private worker: { thread: Worker; calls: Map<number, Call> } | null = null;
  private nextId = 1;

  /** `file`: an absolute path (or relative to the working directory); its directory is created. */
  constructor(private readonly file: string) {
    this.where = `sqlite:${file}`;
  }

  async open(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const { default: Database } = await import("better-sqlite3");
    // timeout 0: a file locked by another process fails the open now instead of stalling the event loop.
    const db = new Database(this.file, { timeout: 0 });
    try {
      db.pragma("journal_mode = WAL");
      migrateSqlite(db, sqliteLogMigrations, LOG_MIGRATIONS_TABLE);
    } finally {
      db.close();
    }
  }

  async write(entries: readonly LogEntry[]): Promise<void> {
    const rows = entries.map((e) => [e.id, e.time, e.keyId, e.route, e.model, e.status, e.latencyMs, e.inputTokens, e.outputTokens, e.cacheReadTokens, e.cacheWriteTokens, e.costUsd, e.line]);
    await this.call({ op: "insert", rows });
  }

  isRecordError(error: unknown): boolean {
    return error instanceof SqliteWorkerError && RECORD_ERRORS.test(error.code ?? "");
  }

  deleteBefore(before: number): Promise<number> {
    return this.call({ op: "delete", before });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === null) return;
    await new Promise<void>((resolve) => {
      worker.thread.once("exit", () => resolve());
      worker.thread.ref();
      worker.thread.postMessage({ id: 0, op: "close" } satisfies Request);
    });
  }

  private call(request: { op: "insert"; rows: unknown[][] } | { op: "delete"; before: number }): Promise<number> {
    const worker = this.worker ?? this.startWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Held while it has work, so a pending batch keeps the process alive; idle, it never does.
      if (worker.calls.size === 0) worker.thread.ref();
      worker.calls.set(id, { resolve, reject });
      worker.thread.postMessage({ id, ...request } as Request);
    });
  }

  private startWorker(): { thread: Worker; calls: Map<number, Call> } {
    const settings: WorkerSettings = {
      driver: createRequire(import.meta.url).resolve("better-sqlite3"),
      file: this.file,
      busyMs: WORKER_BUSY_MS,
      insert: INSERT_SQL,
      remove: DELETE_SQL,
      chunk: DELETE_CHUNK,
    };
    const thread = new Worker(`(${sqliteLogWorker.toString()})(require)`, { eval: true, workerData: settings });
    const worker = { thread, calls: new Map<number, Call>() };
    // The queue's close() ends it; idle, it never keeps the process alive.
    thread.unref();
    thread.on("message", (reply: Reply) => {
      const call = worker.calls.get(reply.id);
      if (call === undefined) return;
      worker.calls.delete(reply.id);
      if (worker.calls.size === 0) thread.unref();
      if (reply.ok) call.resolve(reply.changes);
      else call.reject(new SqliteWorkerError(reply.message, reply.code));
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const call of worker.calls.values()) call.reject(error);
      worker.calls.clear();
    };
    // A worker that cannot open the file throws at start: its calls fail, and the next call starts a new one.
    thread.on("error", fail);
    thread.on("exit", (code) => fail(new Error(`request log worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
