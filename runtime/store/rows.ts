// Rows ⇄ records, shared by both stores: the two schemas have the same column names, and the Postgres
// store parses BIGINT to number, so a row from either database has the same shape.
import type { BudgetPeriod, KeyPatch, KeyRecord, KeySecret, SpendRow } from "./types.ts";

/** api_keys' columns, in the order both stores select and insert them. */
export const KEY_COLUMNS = [
  "id",
  "name",
  "models",
  "rpm",
  "tpm",
  "budget_limit_nanos",
  "budget_period",
  "created_at",
  "expires_at",
  "revoked_at",
] as const satisfies readonly (keyof KeyRow)[];

export const SECRET_COLUMNS = ["hash", "key_id", "hint", "created_at", "expires_at"] as const satisfies readonly (keyof SecretRow)[];

/** spend's columns: the ledger key (day … upstream_model), then the counters summed into it. */
export const SPEND_COLUMNS = [
  "day",
  "key_id",
  "model",
  "provider",
  "upstream_model",
  "requests",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "cost_nanos",
] as const satisfies readonly (keyof SpendDbRow)[];

export interface KeyRow {
  id: string;
  name: string;
  /** JSON array of globs; null: every model. */
  models: string | null;
  rpm: number | null;
  tpm: number | null;
  budget_limit_nanos: number | null;
  budget_period: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface SecretRow {
  hash: string;
  key_id: string;
  hint: string;
  created_at: number;
  expires_at: number | null;
}

export interface SpendDbRow {
  day: string;
  key_id: string;
  model: string;
  provider: string;
  upstream_model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_nanos: number;
}

export function keyFromRow(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    name: row.name,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    rpm: row.rpm,
    tpm: row.tpm,
    budget:
      row.budget_limit_nanos === null || row.budget_period === null
        ? null
        : { limitNanos: row.budget_limit_nanos, period: row.budget_period as BudgetPeriod },
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** A key as the row to insert. */
export function keyToRow(key: KeyRecord): KeyRow {
  return {
    id: key.id,
    name: key.name,
    models: key.models === null ? null : JSON.stringify(key.models),
    rpm: key.rpm,
    tpm: key.tpm,
    budget_limit_nanos: key.budget?.limitNanos ?? null,
    budget_period: key.budget?.period ?? null,
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
  };
}

export function secretToRow(secret: KeySecret): SecretRow {
  return { hash: secret.hash, key_id: secret.keyId, hint: secret.hint, created_at: secret.createdAt, expires_at: secret.expiresAt };
}

export function secretFromRow(row: SecretRow): KeySecret {
  return { hash: row.hash, keyId: row.key_id, hint: row.hint, createdAt: row.created_at, expiresAt: row.expires_at };
}

export function spendFromRow(row: SpendDbRow): SpendRow {
  return {
    day: row.day,
    keyId: row.key_id,
    model: row.model,
    provider: row.provider,
    upstreamModel: row.upstream_model,
    requests: row.requests,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    costNanos: row.cost_nanos,
  };
}

export function spendToRow(r: SpendRow): SpendDbRow {
  return {
    day: r.day,
    key_id: r.keyId,
    model: r.model,
    provider: r.provider,
    upstream_model: r.upstreamModel,
    requests: r.requests,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cache_read_tokens: r.cacheReadTokens,
    cache_write_tokens: r.cacheWriteTokens,
    cost_nanos: r.costNanos,
  };
}

/**
 * A patch as the parameters of one prepared UPDATE: each column has a `set_…` flag (1: take the value,
 * 0: keep the column), so one statement serves every combination of present fields.
 */
export interface PatchParams {
  id: string;
  set_name: 0 | 1;
  name: string | null;
  set_models: 0 | 1;
  models: string | null;
  set_rpm: 0 | 1;
  rpm: number | null;
  set_tpm: 0 | 1;
  tpm: number | null;
  set_budget: 0 | 1;
  budget_limit_nanos: number | null;
  budget_period: string | null;
  set_expires_at: 0 | 1;
  expires_at: number | null;
}

export function patchParams(id: string, patch: KeyPatch): PatchParams {
  const flag = (v: unknown): 0 | 1 => (v === undefined ? 0 : 1);
  return {
    id,
    set_name: flag(patch.name),
    name: patch.name ?? null,
    set_models: flag(patch.models),
    models: patch.models == null ? null : JSON.stringify(patch.models),
    set_rpm: flag(patch.rpm),
    rpm: patch.rpm ?? null,
    set_tpm: flag(patch.tpm),
    tpm: patch.tpm ?? null,
    set_budget: flag(patch.budget),
    budget_limit_nanos: patch.budget?.limitNanos ?? null,
    budget_period: patch.budget?.period ?? null,
    set_expires_at: flag(patch.expiresAt),
    expires_at: patch.expiresAt ?? null,
  };
}

/** A secret must belong to the key it is created or rotated with; anything else is a caller's bug. */
export function assertSecretOf(secret: KeySecret, keyId: string): void {
  if (secret.keyId !== keyId) throw new Error(`secret of ${secret.keyId} given for key ${keyId}`);
}
