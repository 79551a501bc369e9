// Reads the request log from PostgreSQL. Records come back as jsonb, so their keys are in jsonb's order,
// not the order the gateway wrote them in. A follower's cursor is the last seq it saw: with several gateways
// inserting at once, a batch can commit after one with a higher seq and be missed by `logs tail --follow`
// (never by tail, show or usage).
import pg from "pg";
import { AFTER_LIMIT, filterSql } from "./sql.ts";
import type { LogFilter, LogReader, StoredRecord, UsageRow } from "./types.ts";

// seq and the token columns are bigint; ours stay far below 2^53, so this client parses them to numbers.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary" ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export class PostgresReader implements LogReader {
  private constructor(
    private readonly client: pg.Client,
    readonly where: string,
  ) {}

  static async open(url: string, where: string): Promise<PostgresReader> {
    const client = new pg.Client({ connectionString: url, types, connectionTimeoutMillis: 10_000, application_name: "switchyard-cli" });
    try {
      await client.connect();
      await client.query("SELECT 1 FROM request_log LIMIT 1");
    } catch (error) {
      await client.end().catch(() => {});
      throw new Error(`no request log in ${where}: ${(error as Error).message}`, { cause: error });
    }
    return new PostgresReader(client, where);
  }

  private async lastSeq(): Promise<number> {
    return (await this.client.query<{ seq: number }>("SELECT coalesce(max(seq), 0) AS seq FROM request_log")).rows[0]!.seq;
  }

  async tail(filter: LogFilter, n: number): Promise<{ records: StoredRecord[]; cursor: number }> {
    const cursor = await this.lastSeq();
    const params: unknown[] = [cursor];
    const where = filterSql(filter, "postgres", params);
    params.push(n);
    const { rows } = await this.client.query<{ record: StoredRecord }>(
      `SELECT record FROM request_log WHERE seq <= $1${where} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return { records: rows.reverse().map((r) => r.record), cursor };
  }

  async after(from: unknown, filter: LogFilter): Promise<{ records: StoredRecord[]; cursor: number }> {
    const upTo = Math.min(await this.lastSeq(), (from as number) + AFTER_LIMIT);
    const params: unknown[] = [from, upTo];
    const where = filterSql(filter, "postgres", params);
    const { rows } = await this.client.query<{ record: StoredRecord }>(`SELECT record FROM request_log WHERE seq > $1 AND seq <= $2${where} ORDER BY seq`, params);
    return { records: rows.map((r) => r.record), cursor: Math.max(from as number, upTo) };
  }

  async get(id: string): Promise<StoredRecord | null> {
    const { rows } = await this.client.query<{ record: StoredRecord }>("SELECT record FROM request_log WHERE id = $1", [id]);
    return rows[0]?.record ?? null;
  }

  async usage(since: number): Promise<UsageRow[]> {
    const { rows } = await this.client.query<UsageRow>(
      `SELECT (extract(epoch FROM time) * 1000)::float8 AS "time", key_id AS "keyId", record->>'key_name' AS "keyName", model, status,
         latency_ms AS "latencyMs", input_tokens AS "inputTokens", output_tokens AS "outputTokens",
         cache_read_tokens AS "cacheReadTokens", cache_write_tokens AS "cacheWriteTokens", coalesce(cost_usd, 0) AS "costUsd"
       FROM request_log WHERE time >= to_timestamp($1 / 1000.0)`,
      [since],
    );
    return rows;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
