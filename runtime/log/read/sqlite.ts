// Reads the request log from its SQLite file, read-only, beside a gateway writing it (WAL: readers never
// wait for the writer). `seq` is the order rows were stored in: a file has one writer at a time, so rows
// become visible in seq order and a follower's cursor is just the last seq it saw.
import Database from "better-sqlite3";
import { AFTER_LIMIT, filterSql } from "./sql.ts";
import type { LogFilter, LogReader, StoredRecord, UsageRow } from "./types.ts";

interface Row {
  seq: number;
  record: string;
}

export class SqliteReader implements LogReader {
  readonly where: string;
  private readonly db: Database.Database;

  constructor(file: string) {
    this.where = `sqlite:${file}`;
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      this.db.prepare("SELECT 1 FROM request_log LIMIT 1").get();
    } catch (error) {
      throw new Error(`no request log in ${this.where}: ${(error as Error).message}`, { cause: error });
    }
  }

  private lastSeq(): number {
    return (this.db.prepare("SELECT coalesce(max(seq), 0) AS seq FROM request_log").get() as { seq: number }).seq;
  }

  async tail(filter: LogFilter, n: number): Promise<{ records: StoredRecord[]; cursor: number }> {
    const cursor = this.lastSeq();
    const params: unknown[] = [cursor];
    const where = filterSql(filter, "sqlite", params);
    params.push(n);
    const rows = this.db.prepare(`SELECT seq, record FROM request_log WHERE seq <= ?${where} ORDER BY seq DESC LIMIT ?`).all(...params) as Row[];
    return { records: rows.reverse().map((r) => JSON.parse(r.record)), cursor };
  }

  async after(from: unknown, filter: LogFilter): Promise<{ records: StoredRecord[]; cursor: number }> {
    const upTo = Math.min(this.lastSeq(), (from as number) + AFTER_LIMIT);
    const params: unknown[] = [from, upTo];
    const where = filterSql(filter, "sqlite", params);
    const rows = this.db.prepare(`SELECT seq, record FROM request_log WHERE seq > ? AND seq <= ?${where} ORDER BY seq`).all(...params) as Row[];
    return { records: rows.map((r) => JSON.parse(r.record)), cursor: Math.max(from as number, upTo) };
  }

  async get(id: string): Promise<StoredRecord | null> {
    const row = this.db.prepare("SELECT record FROM request_log WHERE id = ?").get(id) as { record: string } | undefined;
    return row === undefined ? null : JSON.parse(row.record);
  }

  async usage(since: number): Promise<UsageRow[]> {
    return this.db
      .prepare(
        `SELECT time, key_id AS keyId, json_extract(record, '$.key_name') AS keyName, model, status, latency_ms AS latencyMs,
           input_tokens AS inputTokens, output_tokens AS outputTokens, cache_read_tokens AS cacheReadTokens,
           cache_write_tokens AS cacheWriteTokens, coalesce(cost_usd, 0) AS costUsd
         FROM request_log WHERE time >= ?`,
      )
      .all(since) as UsageRow[];
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
