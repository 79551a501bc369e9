// The PostgreSQL schema: the same tables as sqlite.ts, plus the two budget functions, so that reserve and
// settle are each one round trip (one `SELECT fn(…)`, one implicit transaction). Never edit a shipped
// migration (see migration.ts); append the next version, with CREATE OR REPLACE for a changed function.
import type { Migration } from "./migration.ts";

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "keys, spend ledger, budgets",
    sql: `
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  name text NOT NULL,
  models text,
  rpm bigint,
  tpm bigint,
  budget_limit_nanos bigint,
  budget_period text CHECK (budget_period IN ('day', 'week', 'month', 'total')),
  created_at bigint NOT NULL,
  expires_at bigint,
  revoked_at bigint,
  CHECK ((budget_limit_nanos IS NULL) = (budget_period IS NULL))
);
CREATE TABLE api_key_secrets (
  hash text PRIMARY KEY,
  key_id text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  hint text NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint
);
CREATE INDEX api_key_secrets_key_id ON api_key_secrets (key_id);

CREATE TABLE keyring_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL);
INSERT INTO keyring_version (id, version) VALUES (1, 0);
-- A trigger moves the keyring version, so every change to keys or secrets moves it within the transaction
-- that made it, including one typed into psql. Per row, so a statement that changes nothing moves nothing.
CREATE FUNCTION switchyard_bump_keyring() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE keyring_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END $$;
CREATE TRIGGER api_keys_keyring AFTER INSERT OR UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION switchyard_bump_keyring();
CREATE TRIGGER api_key_secrets_keyring AFTER INSERT OR UPDATE OR DELETE ON api_key_secrets
  FOR EACH ROW EXECUTE FUNCTION switchyard_bump_keyring();

-- No foreign key to api_keys: the ledger keeps requests that presented no key (key_id '') and outlives keys.
CREATE TABLE spend (
  day text NOT NULL,
  key_id text NOT NULL,
  model text NOT NULL,
  provider text NOT NULL,
  upstream_model text NOT NULL,
  requests bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  cost_nanos bigint NOT NULL,
  PRIMARY KEY (day, key_id, model, provider, upstream_model)
);
CREATE INDEX spend_key_day ON spend (key_id, day);

-- reserved_nanos is always the sum of the period's rows in budget_reservations: every statement that
-- adds or deletes a reservation moves it in the same transaction.
CREATE TABLE budget_usage (
  key_id text NOT NULL,
  period text NOT NULL,
  spent_nanos bigint NOT NULL,
  reserved_nanos bigint NOT NULL,
  PRIMARY KEY (key_id, period)
);
-- Only requests in flight have a row, so the stale sweep's full scan is short; an index on created_at
-- would cost every reserve and settle a page write (~20% of their time in SQLite) to speed up that scan.
CREATE TABLE budget_reservations (
  id text PRIMARY KEY,
  key_id text NOT NULL,
  period text NOT NULL,
  amount_nanos bigint NOT NULL,
  created_at bigint NOT NULL
);

-- Atomic under READ COMMITTED: INSERT … ON CONFLICT DO UPDATE locks the (key, period) row and evaluates
-- its WHERE on the latest committed version, so concurrent reserves queue on that row and each sees the
-- others' amounts; a refused reserve changes nothing (not even creating the row). A duplicate p_id fails
-- the reservation insert and so rolls back the whole call.
CREATE FUNCTION switchyard_reserve(p_id text, p_key text, p_period text, p_limit bigint, p_amount bigint,
  p_now bigint, OUT ok boolean, OUT spent bigint, OUT reserved bigint) LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO budget_usage AS u (key_id, period, spent_nanos, reserved_nanos)
    SELECT p_key, p_period, 0, p_amount WHERE p_amount <= p_limit
    ON CONFLICT (key_id, period) DO UPDATE SET reserved_nanos = u.reserved_nanos + EXCLUDED.reserved_nanos
    WHERE u.spent_nanos + u.reserved_nanos + EXCLUDED.reserved_nanos <= p_limit;
  ok := FOUND;
  IF ok THEN
    INSERT INTO budget_reservations (id, key_id, period, amount_nanos, created_at)
      VALUES (p_id, p_key, p_period, p_amount, p_now);
  ELSE
    SELECT u.spent_nanos, u.reserved_nanos INTO spent, reserved
      FROM budget_usage u WHERE u.key_id = p_key AND u.period = p_period;
    spent := coalesce(spent, 0);
    reserved := coalesce(reserved, 0);
  END IF;
END $$;

-- Deleting the reservation row is the claim on its amount: of two settles (or a settle and the stale
-- sweep) only the one whose DELETE returns the row releases it; the other waits on the row lock, then
-- finds nothing. The cost is recorded either way. The amount goes back to the period it was reserved in.
CREATE FUNCTION switchyard_settle(p_id text, p_key text, p_period text, p_cost bigint) RETURNS void
  LANGUAGE plpgsql AS $$
DECLARE
  r_key text;
  r_period text;
  r_amount bigint;
BEGIN
  DELETE FROM budget_reservations WHERE id = p_id RETURNING key_id, period, amount_nanos INTO r_key, r_period, r_amount;
  IF FOUND THEN
    UPDATE budget_usage SET reserved_nanos = reserved_nanos - r_amount WHERE key_id = r_key AND period = r_period;
  END IF;
  INSERT INTO budget_usage AS u (key_id, period, spent_nanos, reserved_nanos) VALUES (p_key, p_period, p_cost, 0)
    ON CONFLICT (key_id, period) DO UPDATE SET spent_nanos = u.spent_nanos + EXCLUDED.spent_nanos;
END $$;
`,
  },
];
