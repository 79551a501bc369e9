// The one migration runner, for every schema Switchyard keeps in a database: the store's (keys, ledger,
// budgets) and the request log sinks' (runtime/log/sinks/). Each schema has its own list and its own
// bookkeeping table, so a request log in the store's own SQLite file or PostgreSQL database never mistakes
// the store's version 1 for its own.
import type Database from "better-sqlite3";
import type pg from "pg";
import { pendingMigrations, type Migration } from "./migration.ts";

/** Table names are constants of this code base, never config: checked anyway, since they are spliced into SQL. */
function checkTable(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`bad migrations table name ${JSON.stringify(table)}`);
  return table;
}

/**
 * Applies `migrations` not yet recorded in `table`, in one IMMEDIATE transaction: a second process opening
 * the same file at once waits for the write lock, then finds nothing to do.
 */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[], table = "schema_migrations"): void {
  const t = checkTable(table);
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${t} (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    const applied = (db.prepare(`SELECT version FROM ${t}`).all() as { version: number }[]).map((r) => r.version);
    const record = db.prepare(`INSERT INTO ${t} (version, applied_at) VALUES (?, ?)`);
    for (const m of pendingMigrations(migrations, applied)) {
      db.exec(m.sql);
      record.run(m.version, Date.now());
    }
  }).immediate();
}

/**
 * The same on PostgreSQL, inside the caller's open transaction on `client`: an advisory transaction lock
 * (`lock`, one per schema) makes instances starting together take turns, and the second finds nothing pending.
 */
export async function migratePostgres(client: pg.ClientBase, migrations: readonly Migration[], lock: number, table = "schema_migrations"): Promise<void> {
  const t = checkTable(table);
  await client.query("SELECT pg_advisory_xact_lock($1)", [lock]);
  await client.query(`CREATE TABLE IF NOT EXISTS ${t} (version integer PRIMARY KEY, applied_at bigint NOT NULL)`);
  const applied = (await client.query<{ version: number }>(`SELECT version FROM ${t}`)).rows.map((r) => r.version);
  for (const m of pendingMigrations(migrations, applied)) {
    await client.query(m.sql);
    await client.query(`INSERT INTO ${t} (version, applied_at) VALUES ($1, $2)`, [m.version, Date.now()]);
  }
}
