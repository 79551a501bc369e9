// The store: client keys, the spend ledger and budget reservations, shared by every instance of a fleet.
// Two implementations behind one interface: an embedded SQLite file (better-sqlite3, the default; several
// processes on one machine share it safely) and PostgreSQL (several machines). Chosen by one URL:
// `sqlite:PATH` or `postgres://…` (runtime/store/open.ts).
//
// Money is counted in integer nano-dollars (1e-9 USD) everywhere in the store: sums of many small costs
// stay exact, and a cheap model's 10-token request (1.5e-6 USD) is not rounded away.
//
// Nothing here ever holds a client key in clear: a key is stored as the SHA-256 of its text, plus a short
// hint (its first and last characters) so a person can tell keys apart in `keys list`.

export type BudgetPeriod = "day" | "week" | "month" | "total";

export interface KeyBudget {
  /** The limit per period, in nano-dollars. */
  readonly limitNanos: number;
  readonly period: BudgetPeriod;
}

/** What a key may do; every field null/absent means "no restriction of that kind". */
export interface KeyPolicy {
  /** Public model names the key may request, as globs (`*`, `?`); null: every model. */
  readonly models: readonly string[] | null;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly budget: KeyBudget | null;
}

export interface KeyRecord extends KeyPolicy {
  /** "key_" + 16 hex digits; stable across rotations. */
  readonly id: string;
  readonly name: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
}

/** One secret of a key: a key has one, or two during a rotation's grace period. */
export interface KeySecret {
  /** Lower-case hex SHA-256 of the key's text. The primary key. */
  readonly hash: string;
  readonly keyId: string;
  /** e.g. "sk-sy-AbCd…wXyZ": enough to recognise, useless to an attacker. */
  readonly hint: string;
  readonly createdAt: number;
  /** Set on the old secret by a rotation: it stops working after this time. */
  readonly expiresAt: number | null;
}

/** Changes to a key's policy or name; absent fields stay as they are, null clears one. */
export interface KeyPatch {
  readonly name?: string;
  readonly models?: readonly string[] | null;
  readonly rpm?: number | null;
  readonly tpm?: number | null;
  readonly budget?: KeyBudget | null;
  readonly expiresAt?: number | null;
}

/** Everything the gateway caches to authenticate requests. */
export interface Keyring {
  readonly keys: readonly KeyRecord[];
  readonly secrets: readonly KeySecret[];
}

/** One row of the spend ledger: what one key spent on one model on one UTC day. Rows are summed on insert. */
export interface SpendRow {
  /** "YYYY-MM-DD", UTC. */
  readonly day: string;
  /** The key's id; "" for requests that presented no Switchyard key. */
  readonly keyId: string;
  /** The public model the client asked for. */
  readonly model: string;
  /** The provider and upstream model that served it. */
  readonly provider: string;
  readonly upstreamModel: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costNanos: number;
}

/** A budget's state in one period. */
export interface BudgetUsage {
  readonly spentNanos: number;
  readonly reservedNanos: number;
}

export interface ReserveRequest {
  /** Unique per request (the request id); settle and release name it. */
  readonly reservationId: string;
  readonly keyId: string;
  /** The period's key, e.g. "day:2026-12-03" (runtime/spend/periods.ts). */
  readonly period: string;
  readonly limitNanos: number;
  /** Worst-case cost of the request; at least 1 (a zero-priced request still needs budget left). */
  readonly amountNanos: number;
  /** Milliseconds since the epoch, recorded on the reservation for the stale sweep. */
  readonly now: number;
}

export type ReserveResult = { readonly ok: true } | { readonly ok: false; readonly usage: BudgetUsage };

export interface SettleRequest {
  readonly reservationId: string;
  readonly keyId: string;
  readonly period: string;
  /** The request's real cost (0 when it failed and nothing was spent). */
  readonly costNanos: number;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Where it is, with any password removed, for start-up lines and errors. */
  readonly where: string;

  createKey(key: KeyRecord, secret: KeySecret): Promise<void>;
  getKey(id: string): Promise<KeyRecord | null>;
  /** Every key, revoked and expired ones included, oldest first. */
  listKeys(): Promise<KeyRecord[]>;
  /** null when there is no such key. */
  updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | null>;
  /** Sets revokedAt (kept if already set); null when there is no such key. */
  revokeKey(id: string, now: number): Promise<KeyRecord | null>;
  /**
   * A rotation: adds `secret` to its key and makes every other unexpired secret of that key expire at
   * `oldSecretsExpireAt`. False when there is no such key.
   */
  rotateKey(secret: KeySecret, oldSecretsExpireAt: number): Promise<boolean>;
  /** The whole keyring, for the gateway's in-memory cache. */
  loadKeyring(): Promise<Keyring>;
  /**
   * A number that changes whenever anything in the keyring changes (any instance, any process): the
   * cache polls it and reloads the keyring when it moved.
   */
  keyringVersion(): Promise<number>;

  /** Adds each row to the ledger (summing into an existing row of the same day, key, model, provider, upstream model). */
  addSpend(rows: readonly SpendRow[]): Promise<void>;
  /** Ledger rows for `keyId` (all keys when null) with fromDay <= day <= toDay, ordered by day, key, model. */
  spend(keyId: string | null, fromDay: string, toDay: string): Promise<SpendRow[]>;

  /**
   * Atomically, across every process and instance sharing the store: reserves `amountNanos` against the
   * key's budget in `period` when spent + reserved + amount <= limit, else refuses and says where it stands.
   */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Ends a reservation: releases what it reserved and adds `costNanos` to the period's spent. */
  settle(request: SettleRequest): Promise<void>;
  budgetUsage(keyId: string, period: string): Promise<BudgetUsage>;
  /** Releases reservations made before `before` (their instance died mid-request); returns how many. */
  releaseStaleReservations(before: number): Promise<number>;

  close(): Promise<void>;
}
