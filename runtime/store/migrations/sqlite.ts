// The SQLite schema. Never edit a shipped migration (see migration.ts); append the next version.
// Times are integer milliseconds since the epoch, money integer nano-dollars (runtime/store/types.ts).
// The tables written on the request path are WITHOUT ROWID: one b-tree on their text key instead of a rowid
// table plus an index on that key, so each change writes one page fewer (~15% of a reserve + settle).
import type { Migration } from "./migration.ts";

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "keys, spend ledger, budgets",
    sql: `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  models TEXT,
  rpm INTEGER,
  tpm INTEGER,
  budget_limit_nanos INTEGER,
  budget_period TEXT CHECK (budget_period IN ('day', 'week', 'month', 'total')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  CHECK ((budget_limit_nanos IS NULL) = (budget_period IS NULL))
);
CREATE TABLE api_key_secrets (
  hash TEXT PRIMARY KEY,
  key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  hint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER
);
CREATE INDEX api_key_secrets_key_id ON api_key_secrets (key_id);

CREATE TABLE keyring_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO keyring_version (id, version) VALUES (1, 0);
-- Triggers move the keyring version, so every change to keys or secrets moves it within the transaction
-- that made it, including one typed into the sqlite3 shell.
CREATE TRIGGER api_keys_insert_keyring AFTER INSERT ON api_keys BEGIN UPDATE keyring_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_update_keyring AFTER UPDATE ON api_keys BEGIN UPDATE keyring_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_delete_keyring AFTER DELETE ON api_keys BEGIN UPDATE keyring_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_key_secrets_insert_keyring AFTER INSERT ON api_key_secrets BEGIN UPDATE keyring_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_key_secrets_update_keyring AFTER UPDATE ON api_key_secrets BEGIN UPDATE keyring_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER api_key_secrets_delete_keyring AFTER DELETE ON api_key_secrets BEGIN UPDATE keyring_version SET version = version + 1 WHERE id = 1; END;

-- No foreign key to api_keys: the ledger keeps requests that presented no key (key_id '') and outlives keys.
CREATE TABLE spend (
  day TEXT NOT NULL,
  key_id TEXT NOT NULL,
  model TEXT NOT NULL,
  provider TEXT NOT NULL,
  upstream_model TEXT NOT NULL,
  requests INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_read_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  cost_nanos INTEGER NOT NULL,
  PRIMARY KEY (day, key_id, model, provider, upstream_model)
) WITHOUT ROWID;
CREATE INDEX spend_key_day ON spend (key_id, day);

-- reserved_nanos is always the sum of the period's rows in budget_reservations: every statement that
-- adds or deletes a reservation moves it in the same transaction.
CREATE TABLE budget_usage (
  key_id TEXT NOT NULL,
  period TEXT NOT NULL,
  spent_nanos INTEGER NOT NULL,
  reserved_nanos INTEGER NOT NULL,
  PRIMARY KEY (key_id, period)
) WITHOUT ROWID;
-- Only requests in flight have a row, so the stale sweep's full scan is short; an index on created_at
-- would cost every reserve and settle a page write (~20% of their time in SQLite) to speed up that scan.
CREATE TABLE budget_reservations (
  id TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  period TEXT NOT NULL,
  amount_nanos INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
];
