// What the SQLite and PostgreSQL readers share: the filter as a WHERE clause over the request_log columns
// (runtime/log/sinks/migrations.ts), in each dialect's placeholders, and the columns `usage` selects.
import type { LogFilter } from "./types.ts";

export type Dialect = "sqlite" | "postgres";

/** ` AND …` conditions for `filter` after `params.length` existing parameters, and their values. */
export function filterSql(filter: LogFilter, dialect: Dialect, params: unknown[]): string {
  const p = (value: unknown) => {
    params.push(value);
    return dialect === "sqlite" ? "?" : `$${params.length}`;
  };
  let sql = "";
  if (filter.key !== undefined) {
    const keyName = dialect === "sqlite" ? "json_extract(record, '$.key_name')" : "record->>'key_name'";
    sql += ` AND (key_id = ${p(filter.key)} OR ${keyName} = ${p(filter.key)})`;
  }
  if (filter.model !== undefined) sql += ` AND model = ${p(filter.model)}`;
  if (filter.route !== undefined) sql += ` AND route = ${p(filter.route)}`;
  if (filter.status !== undefined) sql += ` AND status BETWEEN ${p(filter.status[0])} AND ${p(filter.status[1])}`;
  return sql;
}

/** Rows `after` reads per call; a follower catching up calls again. */
export const AFTER_LIMIT = 1000;
