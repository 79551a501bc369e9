// The request log's tables, in SQLite and in PostgreSQL, applied at start by the store's migration runner
// (runtime/store/migrations/apply.ts) with their own bookkeeping table, so the log may share the store's
// file or database. Never edit a shipped migration; append the next version.
//
// One row per request: the whole record as JSON (jsonb in PostgreSQL) plus the columns that the CLI's
// filters, `switchyard usage` and retention read without parsing it. `seq` is insertion order (what
// `logs tail` shows last); `id` is unique so a batch retried after a lost reply is not stored twice.
import type { Migration } from "../../store/migrations/migration.ts";

export const LOG_MIGRATIONS_TABLE = "request_log_migrations";
/** pg_advisory_xact_lock key of the log's migrations (the store's is "Swyd"). */
export const LOG_MIGRATION_LOCK = 0x5377_794c; // "SwyL"

export const sqliteLogMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "request log",
    sql: `
CREATE TABLE request_log (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time INTEGER NOT NULL,
  key_id TEXT,
  route TEXT,
  model TEXT,
  status INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  cost_usd REAL,
  record TEXT NOT NULL
);
CREATE INDEX request_log_time ON request_log (time);
`,
  },
];

export const postgresLogMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "request log",
    sql: `
CREATE TABLE request_log (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  time timestamptz NOT NULL,
  key_id text,
  route text,
  model text,
  status integer NOT NULL,
  latency_ms double precision NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  cost_usd double precision,
  record jsonb NOT NULL
);
CREATE INDEX request_log_time ON request_log (time);
`,
  },
];

/** Column order of an inserted row, shared by both sinks. */
export const LOG_COLUMNS = [
  "id",
  "time",
  "key_id",
  "route",
  "model",
  "status",
  "latency_ms",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cost_usd",
  "record",
] as const;
