// The key operations behind both `switchyard keys …` and the admin API (/admin/keys): one set of rules for
// what a valid key policy is, one wording for its errors, one JSON view of a key. Neither caller ever sees
// a key's text again after `create` or `rotate` return it.
import type { BudgetPeriod, KeyPatch, KeyRecord, KeySecret, SpendRow, Store } from "../store/types.ts";
import { hashKey, keyHint, newKeyId, newKeyText } from "./key-text.ts";
import { periodWindow, utcDay } from "../spend/periods.ts";

/** A caller's mistake (a bad flag or field): the CLI prints it, the admin API answers 400 with it. */
export class KeyInputError extends Error {}

/** Policy fields as the CLI flags and admin API fields spell them. */
export interface KeyInput {
  name?: unknown;
  models?: unknown;
  rpm?: unknown;
  tpm?: unknown;
  budget_usd?: unknown;
  budget_period?: unknown;
  expires?: unknown;
}

const PERIODS: readonly BudgetPeriod[] = ["day", "week", "month", "total"];
const DURATION = /^([0-9]+(?:\.[0-9]+)?)\s*(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "30m", "12h", "30d", "2w" → milliseconds. */
export function parseDuration(text: unknown, what: string): number {
  const match = typeof text === "string" ? DURATION.exec(text.trim()) : null;
  if (match === null || Number(match[1]) <= 0) throw new KeyInputError(`${what}: expected a duration such as 30m, 12h, 30d or 2w, got ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
}

function positiveInteger(value: unknown, what: string): number | null {
  if (value === null) return null;
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number <= 0) throw new KeyInputError(`${what}: expected a positive whole number, got ${JSON.stringify(value)}`);
  return number;
}

/** "gpt-4o,claude-*" or ["gpt-4o", "claude-*"] → globs; null or "*" → every model. */
function modelGlobs(value: unknown): readonly string[] | null {
  if (value === null) return null;
  const list = typeof value === "string" ? value.split(",") : value;
  if (!Array.isArray(list) || list.some((g) => typeof g !== "string")) throw new KeyInputError(`models: expected model names or globs, comma-separated, got ${JSON.stringify(value)}`);
  const globs = [...new Set((list as string[]).map((g) => g.trim()).filter((g) => g !== ""))];
  if (globs.length === 0) throw new KeyInputError("models: name at least one model or glob (or leave it out for every model)");
  return globs.includes("*") ? null : globs;
}

function name(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > 200) throw new KeyInputError(`name: expected a non-empty name of at most 200 characters, got ${JSON.stringify(value)}`);
  return value.trim();
}

/** The policy fields present in `input` as a patch (absent stays, null clears). */
export function parsePolicy(input: KeyInput, now: number): KeyPatch {
  const patch: { -readonly [K in keyof KeyPatch]: KeyPatch[K] } = {};
  if (input.name !== undefined) patch.name = name(input.name);
  if (input.models !== undefined) patch.models = modelGlobs(input.models);
  if (input.rpm !== undefined) patch.rpm = positiveInteger(input.rpm, "rpm");
  if (input.tpm !== undefined) patch.tpm = positiveInteger(input.tpm, "tpm");
  if (input.budget_usd === null) patch.budget = null;
  else if (input.budget_usd !== undefined) {
    const usd = typeof input.budget_usd === "string" && input.budget_usd.trim() !== "" ? Number(input.budget_usd) : input.budget_usd;
    if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) throw new KeyInputError(`budget-usd: expected an amount in US dollars, got ${JSON.stringify(input.budget_usd)}`);
    if (input.budget_period === undefined) throw new KeyInputError(`budget-period: a budget needs a period: one of ${PERIODS.join(", ")}`);
    if (!PERIODS.includes(input.budget_period as BudgetPeriod)) throw new KeyInputError(`budget-period: expected one of ${PERIODS.join(", ")}, got ${JSON.stringify(input.budget_period)}`);
    patch.budget = { limitNanos: Math.round(usd * 1e9), period: input.budget_period as BudgetPeriod };
  } else if (input.budget_period !== undefined) throw new KeyInputError("budget-period: give the budget too (budget-usd)");
  if (input.expires === null) patch.expiresAt = null;
  else if (input.expires !== undefined) patch.expiresAt = now + parseDuration(input.expires, "expires");
  return patch;
}

export interface CreatedKey {
  readonly record: KeyRecord;
  /** The key's text: shown once, stored nowhere. */
  readonly key: string;
}

function secretFor(keyId: string, text: string, now: number): KeySecret {
  return { hash: hashKey(text), keyId, hint: keyHint(text), createdAt: now, expiresAt: null };
}

export async function createKey(store: Store, input: KeyInput, now = Date.now()): Promise<CreatedKey> {
  if (input.name === undefined) throw new KeyInputError("name: every key needs a name (who or what uses it)");
  const policy = parsePolicy(input, now);
  const record: KeyRecord = {
    id: newKeyId(),
    name: policy.name!,
    models: policy.models ?? null,
    rpm: policy.rpm ?? null,
    tpm: policy.tpm ?? null,
    budget: policy.budget ?? null,
    createdAt: now,
    expiresAt: policy.expiresAt ?? null,
    revokedAt: null,
  };
  const key = newKeyText();
  await store.createKey(record, secretFor(record.id, key, now));
  return { record, key };
}

/** A new key for the same id and policy; the old one keeps working for `graceMs`. null: no such key. */
export async function rotateKey(store: Store, id: string, graceMs: number, now = Date.now()): Promise<{ key: string; oldKeyExpiresAt: number } | null> {
  const record = await store.getKey(id);
  if (record === null) return null;
  if (record.revokedAt !== null) throw new KeyInputError(`key ${id} is revoked: create a new key instead`);
  const key = newKeyText();
  const oldKeyExpiresAt = now + graceMs;
  if (!(await store.rotateKey(secretFor(id, key, now), oldKeyExpiresAt))) return null;
  return { key, oldKeyExpiresAt };
}

export type KeyStatus = "active" | "revoked" | "expired";

export function keyStatus(record: KeyRecord, now = Date.now()): KeyStatus {
  if (record.revokedAt !== null) return "revoked";
  if (record.expiresAt !== null && record.expiresAt <= now) return "expired";
  return "active";
}

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A key as the CLI's --json and the admin API show it: ids, names and policy, never a key. */
export function keyView(record: KeyRecord, now = Date.now()) {
  return {
    id: record.id,
    name: record.name,
    status: keyStatus(record, now),
    models: record.models,
    rpm: record.rpm,
    tpm: record.tpm,
    budget: record.budget === null ? null : { usd: record.budget.limitNanos / 1e9, period: record.budget.period },
    created_at: isoOrNull(record.createdAt),
    expires_at: isoOrNull(record.expiresAt),
    revoked_at: isoOrNull(record.revokedAt),
  };
}

/** `keyView` plus where its budget stands this period and what it spent per model over the last `days` days. */
export async function keyReport(store: Store, record: KeyRecord, days = 30, now = Date.now()) {
  let budget = null;
  if (record.budget !== null) {
    const window = periodWindow(record.budget.period, now);
    const usage = await store.budgetUsage(record.id, window.key);
    budget = {
      usd: record.budget.limitNanos / 1e9,
      period: record.budget.period,
      spent_usd: usage.spentNanos / 1e9,
      reserved_usd: usage.reservedNanos / 1e9,
      remaining_usd: Math.max(0, record.budget.limitNanos - usage.spentNanos - usage.reservedNanos) / 1e9,
      resets_at: isoOrNull(window.resetsAt),
    };
  }
  const rows = await store.spend(record.id, utcDay(now - (days - 1) * 86_400_000), utcDay(now));
  return { ...keyView(record, now), budget, spend: { days, ...summarise(rows) } };
}

function summarise(rows: readonly SpendRow[]) {
  const byModel = new Map<string, { model: string; requests: number; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; cost_usd: number }>();
  let cost = 0;
  let requests = 0;
  for (const row of rows) {
    let entry = byModel.get(row.model);
    if (entry === undefined) {
      entry = { model: row.model, requests: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0 };
      byModel.set(row.model, entry);
    }
    entry.requests += row.requests;
    entry.input_tokens += row.inputTokens;
    entry.output_tokens += row.outputTokens;
    entry.cache_read_tokens += row.cacheReadTokens;
    entry.cache_write_tokens += row.cacheWriteTokens;
    entry.cost_usd += row.costNanos / 1e9;
    cost += row.costNanos;
    requests += row.requests;
  }
  return { requests, cost_usd: cost / 1e9, by_model: [...byModel.values()] };
}
