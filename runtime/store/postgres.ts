// The store in PostgreSQL, for a fleet across machines. reserve and settle are each one round trip: one
// call of a PL/pgSQL function (migrations/postgres.ts) in its own implicit transaction, atomic under READ
// COMMITTED because each decides on the locked (key, period) row. Hot statements are named, so each
// pooled connection parses them once and then only binds and executes.
import pg from "pg";
import { appLog } from "../log/app-log.ts";
import { migratePostgres } from "./migrations/apply.ts";
import { postgresMigrations } from "./migrations/postgres.ts";
import {
  assertSecretOf,
  KEY_COLUMNS,
  keyFromRow,
  keyToRow,
  patchParams,
  SECRET_COLUMNS,
  secretFromRow,
  secretToRow,
  SPEND_COLUMNS,
  spendFromRow,
  spendToRow,
  type KeyRow,
  type SecretRow,
  type SpendDbRow,
} from "./rows.ts";
import type {
  BudgetUsage,
  KeyPatch,
  KeyRecord,
  Keyring,
  KeySecret,
  ReserveRequest,
  ReserveResult,
  SettleRequest,
  SpendRow,
  Store,
} from "./types.ts";

// BIGINT (int8) arrives as a string, since it can exceed 2^53. Ours never do (2^53 nano-dollars is $9M
// in one budget period), so this pool, and only this pool, parses it to a number.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID && format !== "binary" ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

// Serialises migrations between instances starting at the same moment: the second waits, then finds none pending.
// Advisory locks are per database, so stores in different databases of one server do not wait on each other.
const MIGRATION_LOCK = 0x5377_7964; // "Swyd"

const KEYS = KEY_COLUMNS.join(", ");
const SECRETS = SECRET_COLUMNS.join(", ");
const SPEND = SPEND_COLUMNS.join(", ");
/** "$1, $2, …, $n". */
const placeholders = (n: number) => Array.from({ length: n }, (_, i) => `$${i + 1}`).join(", ");

export interface PostgresStoreOptions {
  /** Connections in the pool. Default 10. */
  readonly max?: number;
  /** Where lost idle connections are reported. Default: the application log, as a warning. */
  readonly warn?: (message: string) => void;
}

export class PostgresStore implements Store {
  readonly kind = "postgres";

  private constructor(
    private readonly pool: pg.Pool,
    readonly where: string,
  ) {}

  /** Connects, applies pending migrations, and returns the store; `where` is the url without its password. */
  static async open(url: string, where: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const warn = options.warn ?? ((message: string) => appLog.warn({ store: where }, message));
    const pool = new pg.Pool({
      connectionString: url,
      max: options.max ?? 10,
      types,
      connectionTimeoutMillis: 10_000,
      fallback_application_name: "switchyard",
    });
    // An idle connection that breaks (server restart) is dropped by the pool, which then emits this; with
    // no listener it would crash the process. The next query opens a new connection.
    pool.on("error", (err) => warn(`store ${where}: idle connection lost: ${err.message}`));
    const store = new PostgresStore(pool, where);
    try {
      await store.transaction("BEGIN", async (c) => {
        await migratePostgres(c, postgresMigrations, MIGRATION_LOCK);
      });
    } catch (err) {
      await pool.end();
      throw new Error(`store ${where}: ${(err as Error).message}`, { cause: err });
    }
    return store;
  }

  async createKey(key: KeyRecord, secret: KeySecret): Promise<void> {
    assertSecretOf(secret, key.id);
    const k = keyToRow(key);
    const n = KEY_COLUMNS.length;
    // One statement: the secret's foreign key is checked at its end, when the key row is there.
    await this.pool.query(
      `WITH k AS (INSERT INTO api_keys (${KEYS}) VALUES (${placeholders(n)}) RETURNING id)
       INSERT INTO api_key_secrets (${SECRETS}) SELECT $${n + 1}, id, $${n + 2}, $${n + 3}, $${n + 4} FROM k`,
      [...KEY_COLUMNS.map((c) => k[c]), secret.hash, secret.hint, secret.createdAt, secret.expiresAt],
    );
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>({
      name: "switchyard_get_key",
      text: `SELECT ${KEYS} FROM api_keys WHERE id = $1`,
      values: [id],
    });
    return rows.length === 0 ? null : keyFromRow(rows[0]!);
  }

  async listKeys(): Promise<KeyRecord[]> {
    const { rows } = await this.pool.query<KeyRow>(`SELECT ${KEYS} FROM api_keys ORDER BY created_at, id`);
    return rows.map(keyFromRow);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | null> {
    const p = patchParams(id, patch);
    // One statement for every patch: each column keeps its value unless its flag is set.
    const { rows } = await this.pool.query<KeyRow>(
      `UPDATE api_keys SET
         name = CASE WHEN $2 = 1 THEN $3 ELSE name END,
         models = CASE WHEN $4 = 1 THEN $5 ELSE models END,
         rpm = CASE WHEN $6 = 1 THEN $7 ELSE rpm END,
         tpm = CASE WHEN $8 = 1 THEN $9 ELSE tpm END,
         budget_limit_nanos = CASE WHEN $10 = 1 THEN $11 ELSE budget_limit_nanos END,
         budget_period = CASE WHEN $10 = 1 THEN $12 ELSE budget_period END,
         expires_at = CASE WHEN $13 = 1 THEN $14 ELSE expires_at END
       WHERE id = $1 RETURNING ${KEYS}`,
      [p.id, p.set_name, p.name, p.set_models, p.models, p.set_rpm, p.rpm, p.set_tpm, p.tpm,
        p.set_budget, p.budget_limit_nanos, p.budget_period, p.set_expires_at, p.expires_at],
    );
    return rows.length === 0 ? null : keyFromRow(rows[0]!);
  }

  async revokeKey(id: string, now: number): Promise<KeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${KEYS}`,
      [id, now],
    );
    return rows.length === 0 ? null : keyFromRow(rows[0]!);
  }

  async rotateKey(secret: KeySecret, oldSecretsExpireAt: number): Promise<boolean> {
    // Statements in a transaction, not one statement: after waiting for the key's row lock, each later
    // statement sees a concurrent rotation's new secret and expires it too, as in SQLite.
    return this.transaction("BEGIN", async (c) => {
      if ((await c.query("SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE", [secret.keyId])).rowCount === 0) return false;
      await c.query(
        "UPDATE api_key_secrets SET expires_at = $2 WHERE key_id = $1 AND (expires_at IS NULL OR expires_at > $2)",
        [secret.keyId, oldSecretsExpireAt],
      );
      const row = secretToRow(secret);
      await c.query(
        `INSERT INTO api_key_secrets (${SECRETS}) VALUES (${placeholders(SECRET_COLUMNS.length)})`,
        SECRET_COLUMNS.map((column) => row[column]),
      );
      return true;
    });
  }

  async loadKeyring(): Promise<Keyring> {
    // One snapshot for both reads: never a secret whose key is not yet seen.
    return this.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", async (c) => {
      const keys = await c.query<KeyRow>(`SELECT ${KEYS} FROM api_keys ORDER BY created_at, id`);
      const secrets = await c.query<SecretRow>(`SELECT ${SECRETS} FROM api_key_secrets ORDER BY created_at, hash`);
      return { keys: keys.rows.map(keyFromRow), secrets: secrets.rows.map(secretFromRow) };
    });
  }

  async keyringVersion(): Promise<number> {
    const { rows } = await this.pool.query<{ version: number }>({
      name: "switchyard_keyring_version",
      text: "SELECT version FROM keyring_version WHERE id = 1",
    });
    return rows[0]!.version;
  }

  async addSpend(rows: readonly SpendRow[]): Promise<void> {
    if (rows.length === 0) return;
    const dbRows = rows.map(spendToRow);
    // The whole batch in one statement, as columns. Rows of one ledger key are summed first (ON CONFLICT
    // may not touch a row twice), and sorted, so two instances upserting overlapping batches lock rows in
    // the same order and cannot deadlock.
    await this.pool.query({
      name: "switchyard_add_spend",
      text: `INSERT INTO spend (${SPEND})
        SELECT day, key_id, model, provider, upstream_model, sum(requests)::bigint, sum(input_tokens)::bigint,
          sum(output_tokens)::bigint, sum(cache_read_tokens)::bigint, sum(cache_write_tokens)::bigint, sum(cost_nanos)::bigint
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
          $9::bigint[], $10::bigint[], $11::bigint[]) AS r (${SPEND})
        GROUP BY day, key_id, model, provider, upstream_model
        ORDER BY day, key_id, model, provider, upstream_model
        ON CONFLICT (day, key_id, model, provider, upstream_model) DO UPDATE SET
          requests = spend.requests + EXCLUDED.requests,
          input_tokens = spend.input_tokens + EXCLUDED.input_tokens,
          output_tokens = spend.output_tokens + EXCLUDED.output_tokens,
          cache_read_tokens = spend.cache_read_tokens + EXCLUDED.cache_read_tokens,
          cache_write_tokens = spend.cache_write_tokens + EXCLUDED.cache_write_tokens,
          cost_nanos = spend.cost_nanos + EXCLUDED.cost_nanos`,
      values: SPEND_COLUMNS.map((c) => dbRows.map((r) => r[c])),
    });
  }

  async spend(keyId: string | null, fromDay: string, toDay: string): Promise<SpendRow[]> {
    const order = "ORDER BY day, key_id, model, provider, upstream_model";
    const { rows } =
      keyId === null
        ? await this.pool.query<SpendDbRow>(`SELECT ${SPEND} FROM spend WHERE day BETWEEN $1 AND $2 ${order}`, [fromDay, toDay])
        : await this.pool.query<SpendDbRow>(
            `SELECT ${SPEND} FROM spend WHERE key_id = $1 AND day BETWEEN $2 AND $3 ${order}`,
            [keyId, fromDay, toDay],
          );
    return rows.map(spendFromRow);
  }

  async reserve(r: ReserveRequest): Promise<ReserveResult> {
    const { rows } = await this.pool.query<{ ok: boolean; spent: number | null; reserved: number | null }>({
      name: "switchyard_reserve",
      text: "SELECT ok, spent, reserved FROM switchyard_reserve($1, $2, $3, $4, $5, $6)",
      values: [r.reservationId, r.keyId, r.period, r.limitNanos, r.amountNanos, r.now],
    });
    const row = rows[0]!;
    return row.ok ? { ok: true } : { ok: false, usage: { spentNanos: row.spent ?? 0, reservedNanos: row.reserved ?? 0 } };
  }

  async settle(r: SettleRequest): Promise<void> {
    await this.pool.query({
      name: "switchyard_settle",
      text: "SELECT switchyard_settle($1, $2, $3, $4)",
      values: [r.reservationId, r.keyId, r.period, r.costNanos],
    });
  }

  async budgetUsage(keyId: string, period: string): Promise<BudgetUsage> {
    const { rows } = await this.pool.query<{ spent_nanos: number; reserved_nanos: number }>({
      name: "switchyard_budget_usage",
      text: "SELECT spent_nanos, reserved_nanos FROM budget_usage WHERE key_id = $1 AND period = $2",
      values: [keyId, period],
    });
    return { spentNanos: rows[0]?.spent_nanos ?? 0, reservedNanos: rows[0]?.reserved_nanos ?? 0 };
  }

  async releaseStaleReservations(before: number): Promise<number> {
    // One statement. A reservation a concurrent settle deleted first is skipped by the DELETE (it waits
    // for that settle, then finds the row gone), so its amount is released once, by whoever deleted it.
    const { rows } = await this.pool.query<{ n: number }>(
      `WITH gone AS (DELETE FROM budget_reservations WHERE created_at < $1 RETURNING key_id, period, amount_nanos),
       stale AS (SELECT key_id, period, sum(amount_nanos)::bigint AS amount, count(*)::bigint AS n FROM gone GROUP BY key_id, period),
       released AS (UPDATE budget_usage u SET reserved_nanos = u.reserved_nanos - stale.amount
                    FROM stale WHERE u.key_id = stale.key_id AND u.period = stale.period)
       SELECT coalesce(sum(n), 0)::bigint AS n FROM stale`,
      [before],
    );
    return rows[0]!.n;
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  /** `fn` between `begin` and COMMIT on one connection; rolled back when it throws. */
  private async transaction<T>(begin: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      // A connection whose ROLLBACK fails is in an unknown state: destroy it rather than pool it.
      await client.query("ROLLBACK").catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
