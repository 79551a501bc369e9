// The store in one SQLite file (better-sqlite3), shared by the gateway processes on one machine and the
// `switchyard keys` CLI. Every read-modify-write is one BEGIN IMMEDIATE transaction: it takes the file's
// write lock before reading, so two processes can never both pass a budget check on the same old total.
// Statements are prepared once here; a reserve or settle is a few microseconds of the request's time.
//
// WAL lets readers (keyring polls, spend reports) run beside the writer; synchronous=NORMAL in WAL mode
// can lose the last commits on power loss but never corrupts and never loses them to a process crash.
// busy_timeout makes a process wait for another's short transaction instead of failing at once.
//
// Reserves and settles are on the request path, one of each per request of a key with a budget. Those that
// arrive in one turn of the event loop are run together on the next, in one IMMEDIATE transaction: one
// WAL commit for the batch instead of one per call, which is most of a call's cost. Each call keeps its
// own savepoint, so one that fails is rolled back alone, and the batch is as atomic against other
// processes as each call was on its own.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrateSqlite } from "./migrations/apply.ts";
import { sqliteMigrations } from "./migrations/sqlite.ts";
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

const KEYS = KEY_COLUMNS.join(", ");
const SECRETS = SECRET_COLUMNS.join(", ");
const SPEND = SPEND_COLUMNS.join(", ");
/** "@a, @b, …": named parameters for `columns`, bound from a row object. */
const named = (columns: readonly string[]) => columns.map((c) => `@${c}`).join(", ");

export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly where: string;
  private readonly db: Database.Database;
  private readonly sql: ReturnType<typeof prepare>;
  private readonly tx: ReturnType<typeof transactions>;
  /** Reserves and settles waiting for the next turn's batch transaction. */
  private batch: BatchedCall[] = [];

  /** `path` is a file path (its directory is created) or ":memory:". */
  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.where = `sqlite:${path}`;
    const db = new Database(path);
    this.db = db;
    try {
      // busy_timeout first: switching to WAL needs a moment's lock when another process is opening too.
      db.pragma("busy_timeout = 5000");
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("foreign_keys = ON");
      migrateSqlite(db, sqliteMigrations);
    } catch (err) {
      db.close();
      throw err;
    }
    this.sql = prepare(db);
    this.tx = transactions(db, this.sql);
  }

  async createKey(key: KeyRecord, secret: KeySecret): Promise<void> {
    assertSecretOf(secret, key.id);
    this.tx.createKey(key, secret);
  }

  async getKey(id: string): Promise<KeyRecord | null> {
    const row = this.sql.getKey.get(id) as KeyRow | undefined;
    return row === undefined ? null : keyFromRow(row);
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (this.sql.listKeys.all() as KeyRow[]).map(keyFromRow);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | null> {
    const row = this.sql.updateKey.get(patchParams(id, patch)) as KeyRow | undefined;
    return row === undefined ? null : keyFromRow(row);
  }

  async revokeKey(id: string, now: number): Promise<KeyRecord | null> {
    const row = this.sql.revokeKey.get(now, id) as KeyRow | undefined;
    return row === undefined ? null : keyFromRow(row);
  }

  async rotateKey(secret: KeySecret, oldSecretsExpireAt: number): Promise<boolean> {
    return this.tx.rotateKey(secret, oldSecretsExpireAt);
  }

  async loadKeyring(): Promise<Keyring> {
    return this.tx.loadKeyring();
  }

  async keyringVersion(): Promise<number> {
    return (this.sql.keyringVersion.get() as { version: number }).version;
  }

  async addSpend(rows: readonly SpendRow[]): Promise<void> {
    if (rows.length > 0) this.tx.addSpend(rows);
  }

  async spend(keyId: string | null, fromDay: string, toDay: string): Promise<SpendRow[]> {
    const rows = keyId === null ? this.sql.spendAll.all(fromDay, toDay) : this.sql.spendOfKey.all(keyId, fromDay, toDay);
    return (rows as SpendDbRow[]).map(spendFromRow);
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.batched(() => this.tx.reserve(request));
  }

  settle(request: SettleRequest): Promise<void> {
    return this.batched(() => this.tx.settle(request));
  }

  private batched<T>(call: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.runBatch());
      this.batch.push({ call, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  private runBatch(): void {
    const batch = this.batch;
    this.batch = [];
    let outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    try {
      outcomes = this.tx.batch(batch);
    } catch (error) {
      // The batch transaction itself failed (the database is closed, or locked past busy_timeout).
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }

  async budgetUsage(keyId: string, period: string): Promise<BudgetUsage> {
    return usageOf(this.sql.usage.get(keyId, period) as UsageRow | undefined);
  }

  async releaseStaleReservations(before: number): Promise<number> {
    return this.tx.releaseStale(before);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

interface UsageRow {
  spent_nanos: number;
  reserved_nanos: number;
}

interface ReservationRow {
  key_id: string;
  period: string;
  amount_nanos: number;
}

function usageOf(row: UsageRow | undefined): BudgetUsage {
  return { spentNanos: row?.spent_nanos ?? 0, reservedNanos: row?.reserved_nanos ?? 0 };
}

/** `fn` as one BEGIN IMMEDIATE transaction: the write lock is taken before the first read. */
function immediate<A extends unknown[], R>(db: Database.Database, fn: (...args: A) => R): (...args: A) => R {
  const t = db.transaction(fn);
  return (...args: A) => t.immediate(...args);
}


/** A reserve or settle waiting for its batch. */
interface BatchedCall {
  readonly call: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The read-modify-writes, each one transaction (BEGIN IMMEDIATE for writes). reserve and settle are plain
 * `db.transaction`s: called inside `batch` they become savepoints of its one IMMEDIATE transaction.
 */
function transactions(db: Database.Database, s: ReturnType<typeof prepare>) {
  return {
    batch: immediate(db, (calls: readonly BatchedCall[]) =>
      calls.map((waiting) => {
        try {
          return { ok: true as const, value: waiting.call() };
        } catch (error) {
          return { ok: false as const, error };
        }
      }),
    ),
    createKey: immediate(db, (key: KeyRecord, secret: KeySecret) => {
      s.insertKey.run(keyToRow(key));
      s.insertSecret.run(secretToRow(secret));
    }),
    rotateKey: immediate(db, (secret: KeySecret, at: number) => {
      if (s.keyExists.get(secret.keyId) === undefined) return false;
      s.expireSecrets.run({ key_id: secret.keyId, at });
      s.insertSecret.run(secretToRow(secret));
      return true;
    }),
    // A read transaction: keys and secrets from one snapshot, never a secret whose key is not yet seen.
    loadKeyring: db.transaction(() => ({
      keys: (s.listKeys.all() as KeyRow[]).map(keyFromRow),
      secrets: (s.listSecrets.all() as SecretRow[]).map(secretFromRow),
    })),
    addSpend: immediate(db, (rows: readonly SpendRow[]) => {
      for (const r of rows) s.addSpend.run(spendToRow(r));
    }),
    reserve: db.transaction((r: ReserveRequest): ReserveResult => {
      const params = { key_id: r.keyId, period: r.period, limit: r.limitNanos, amount: r.amountNanos };
      if (s.reserveUsage.run(params).changes === 1) {
        s.insertReservation.run({ id: r.reservationId, key_id: r.keyId, period: r.period, amount: r.amountNanos, now: r.now });
        return { ok: true };
      }
      return { ok: false, usage: usageOf(s.usage.get(r.keyId, r.period) as UsageRow | undefined) };
    }),
    // Deleting the reservation is the claim on its amount, so a second settle (or the stale sweep
    // having got there first) releases nothing; the cost is recorded either way.
    settle: db.transaction((r: SettleRequest) => {
      const reservation = s.takeReservation.get(r.reservationId) as ReservationRow | undefined;
      if (reservation !== undefined) s.release.run(reservation.amount_nanos, reservation.key_id, reservation.period);
      s.addSpent.run({ key_id: r.keyId, period: r.period, cost: r.costNanos });
    }),
    releaseStale: immediate(db, (before: number) => {
      s.releaseStale.run(before);
      return s.deleteStale.run(before).changes;
    }),
  };
}

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    insertKey: p(`INSERT INTO api_keys (${KEYS}) VALUES (${named(KEY_COLUMNS)})`),
    insertSecret: p(`INSERT INTO api_key_secrets (${SECRETS}) VALUES (${named(SECRET_COLUMNS)})`),
    getKey: p(`SELECT ${KEYS} FROM api_keys WHERE id = ?`),
    keyExists: p(`SELECT 1 FROM api_keys WHERE id = ?`),
    listKeys: p(`SELECT ${KEYS} FROM api_keys ORDER BY created_at, id`),
    listSecrets: p(`SELECT ${SECRETS} FROM api_key_secrets ORDER BY created_at, hash`),
    // One statement for every patch: each column keeps its value unless its flag is set.
    updateKey: p(`UPDATE api_keys SET
        name = CASE WHEN @set_name THEN @name ELSE name END,
        models = CASE WHEN @set_models THEN @models ELSE models END,
        rpm = CASE WHEN @set_rpm THEN @rpm ELSE rpm END,
        tpm = CASE WHEN @set_tpm THEN @tpm ELSE tpm END,
        budget_limit_nanos = CASE WHEN @set_budget THEN @budget_limit_nanos ELSE budget_limit_nanos END,
        budget_period = CASE WHEN @set_budget THEN @budget_period ELSE budget_period END,
        expires_at = CASE WHEN @set_expires_at THEN @expires_at ELSE expires_at END
      WHERE id = @id RETURNING ${KEYS}`),
    revokeKey: p(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING ${KEYS}`),
    expireSecrets: p(`UPDATE api_key_secrets SET expires_at = @at
      WHERE key_id = @key_id AND (expires_at IS NULL OR expires_at > @at)`),
    keyringVersion: p(`SELECT version FROM keyring_version WHERE id = 1`),

    addSpend: p(`INSERT INTO spend (${SPEND}) VALUES (${named(SPEND_COLUMNS)})
      ON CONFLICT (day, key_id, model, provider, upstream_model) DO UPDATE SET
        requests = requests + excluded.requests,
        input_tokens = input_tokens + excluded.input_tokens,
        output_tokens = output_tokens + excluded.output_tokens,
        cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
        cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
        cost_nanos = cost_nanos + excluded.cost_nanos`),
    spendAll: p(`SELECT ${SPEND} FROM spend WHERE day BETWEEN ? AND ?
      ORDER BY day, key_id, model, provider, upstream_model`),
    spendOfKey: p(`SELECT ${SPEND} FROM spend WHERE key_id = ? AND day BETWEEN ? AND ?
      ORDER BY day, key_id, model, provider, upstream_model`),

    // The budget check and the reservation in one statement: creates the period's row on first use, or
    // adds to it only while it stays within the limit; changes is 0 when refused (nothing written).
    reserveUsage: p(`INSERT INTO budget_usage (key_id, period, spent_nanos, reserved_nanos)
        SELECT @key_id, @period, 0, @amount WHERE @amount <= @limit
      ON CONFLICT (key_id, period) DO UPDATE SET reserved_nanos = reserved_nanos + excluded.reserved_nanos
        WHERE spent_nanos + reserved_nanos + excluded.reserved_nanos <= @limit`),
    insertReservation: p(`INSERT INTO budget_reservations (id, key_id, period, amount_nanos, created_at)
      VALUES (@id, @key_id, @period, @amount, @now)`),
    usage: p(`SELECT spent_nanos, reserved_nanos FROM budget_usage WHERE key_id = ? AND period = ?`),
    takeReservation: p(`DELETE FROM budget_reservations WHERE id = ? RETURNING key_id, period, amount_nanos`),
    release: p(`UPDATE budget_usage SET reserved_nanos = reserved_nanos - ? WHERE key_id = ? AND period = ?`),
    addSpent: p(`INSERT INTO budget_usage (key_id, period, spent_nanos, reserved_nanos) VALUES (@key_id, @period, @cost, 0)
      ON CONFLICT (key_id, period) DO UPDATE SET spent_nanos = spent_nanos + excluded.spent_nanos`),
    releaseStale: p(`UPDATE budget_usage SET reserved_nanos = reserved_nanos - stale.amount
      FROM (SELECT key_id, period, sum(amount_nanos) AS amount FROM budget_reservations WHERE created_at < ?
            GROUP BY key_id, period) AS stale
      WHERE budget_usage.key_id = stale.key_id AND budget_usage.period = stale.period`),
    deleteStale: p(`DELETE FROM budget_reservations WHERE created_at < ?`),
  };
}
