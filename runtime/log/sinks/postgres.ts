// The request log in PostgreSQL: one row per request with the record as jsonb, each batch one INSERT of
// every row (columns passed as arrays and unnest-ed, so a batch is one statement and one round trip however
// many rows it has). pg is asynchronous, so this runs on the event loop without blocking it; a small pool
// of its own keeps the log's batches off the store's connections.
import type pg from "pg";
import { migratePostgres } from "../../store/migrations/apply.ts";
import { LOG_COLUMNS, LOG_MIGRATION_LOCK, LOG_MIGRATIONS_TABLE, postgresLogMigrations } from "./migrations.ts";
import { describeError, type LogEntry, type LogSink } from "./types.ts";

const INSERT_SQL = `INSERT INTO request_log (${LOG_COLUMNS.join(", ")})
  SELECT id, to_timestamp(time / 1000.0), key_id, route, model, status, latency_ms, input_tokens, output_tokens,
    cache_read_tokens, cache_write_tokens, cost_usd, record
  FROM unnest($1::text[], $2::double precision[], $3::text[], $4::text[], $5::text[], $6::integer[],
    $7::double precision[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::double precision[], $13::jsonb[])
    AS r (${LOG_COLUMNS.join(", ")})
  ON CONFLICT (id) DO NOTHING`;

/**
 * jsonb cannot hold U+0000, which JSON may spell `\u0000`; such a record would fail its whole batch. The
 * escape (not preceded by an escaped backslash) becomes U+FFFD, the replacement character.
 */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** SQLSTATE classes about the data (22: data exception, 23: integrity, 54: too large): the rows, not the server. */
const RECORD_ERROR_CLASSES = new Set(["22", "23", "54"]);

export class PostgresSink implements LogSink {
  readonly kind = "postgres";
  private pool: pg.Pool | null = null;

  /** `where` is the url without its password (runtime/store/open.ts redactUrl). */
  constructor(
    private readonly url: string,
    readonly where: string,
    private readonly report: (message: string) => void,
  ) {}

  async open(): Promise<void> {
    const pool = await this.connect();
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      await migratePostgres(client, postgresLogMigrations, LOG_MIGRATION_LOCK, LOG_MIGRATIONS_TABLE);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async write(entries: readonly LogEntry[]): Promise<void> {
    const columns: unknown[][] = LOG_COLUMNS.map(() => new Array(entries.length));
    entries.forEach((e, i) => {
      columns[0]![i] = e.id;
      columns[1]![i] = e.time;
      columns[2]![i] = e.keyId;
      columns[3]![i] = e.route;
      columns[4]![i] = e.model;
      columns[5]![i] = e.status;
      columns[6]![i] = e.latencyMs;
      columns[7]![i] = e.inputTokens;
      columns[8]![i] = e.outputTokens;
      columns[9]![i] = e.cacheReadTokens;
      columns[10]![i] = e.cacheWriteTokens;
      columns[11]![i] = e.costUsd;
      columns[12]![i] = e.line.includes("\\u0000") ? e.line.replace(NUL_ESCAPE, "$1\\ufffd") : e.line;
    });
    await (await this.connect()).query({ name: "switchyard_log_insert", text: INSERT_SQL, values: columns });
  }

  isRecordError(error: unknown): boolean {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && RECORD_ERROR_CLASSES.has(code.slice(0, 2));
  }

  async deleteBefore(before: number): Promise<number> {
    const result = await (await this.connect()).query("DELETE FROM request_log WHERE time < to_timestamp($1 / 1000.0)", [before]);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }

  private async connect(): Promise<pg.Pool> {
    if (this.pool !== null) return this.pool;
    const { default: pgModule } = await import("pg");
    const pool = new pgModule.Pool({
      connectionString: this.url,
      // One batch is in flight at a time; the second connection serves retention beside it.
      max: 2,
      connectionTimeoutMillis: 5000,
      // A server that stops answering fails the batch (retried later) instead of holding the queue.
      query_timeout: 30_000,
      fallback_application_name: "switchyard-log",
    });
    // An idle connection lost to a server restart is dropped by the pool, which emits this; with no listener
    // it would crash the process. The next batch opens a new connection.
    pool.on("error", (error) => this.report(`request log sink ${this.where}: idle connection lost: ${describeError(error)}`));
    this.pool = pool;
    return pool;
  }
}
