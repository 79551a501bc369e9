// The gateway's in-memory copy of the store's keys: what a request is checked against, so authentication
// never waits on the store. Every instance polls the store's keyring version (one tiny query a second) and
// reloads the whole keyring when it moved, so a key created, changed or revoked anywhere (the CLI, another
// instance's admin API) is in force everywhere within about a second; the admin API of this instance also
// reloads at once. If the store cannot be reached the last keyring stays in force.
//
// A presented key is hashed (SHA-256, once per request: the request's identity keeps the digest) and looked
// up by the first 16 hex digits of its digest; the full digests are then compared in constant time. What a
// timing difference could reveal is a digest prefix, which says nothing about any key.
import type { RateLimitRule } from "../contract.ts";
import { globToRegExpSource } from "../routing/glob-match.ts";
import { digestsEqual } from "./key-text.ts";
import type { KeyBudget, KeyRecord, KeySecret, Keyring, Store } from "../store/types.ts";
import { appLog } from "../log/app-log.ts";

/** A key as a request sees it once authenticated: its policy compiled for the request path. */
export interface ActiveKey {
  readonly id: string;
  readonly name: string;
  readonly record: KeyRecord;
  /** Per-key requests/tokens per minute (through the rate limiter's buckets); null: none. */
  readonly rateLimit: RateLimitRule | null;
  readonly budget: KeyBudget | null;
  /** Whether the key may request this public model (its `models` globs, compiled once per load). */
  allowsModel(model: string): boolean;
}

/** What a presented key turned out to be. */
export type KeyLookup =
  | { readonly kind: "valid"; readonly key: ActiveKey }
  | { readonly kind: "unknown" }
  | { readonly kind: "refused"; readonly keyId: string; readonly reason: string };

interface Entry {
  readonly secret: KeySecret;
  readonly key: ActiveKey;
}

const ALL_MODELS = () => true;

function activate(record: KeyRecord): ActiveKey {
  let allowsModel: (model: string) => boolean = ALL_MODELS;
  if (record.models !== null) {
    const pattern = new RegExp(`^(?:${record.models.map(globToRegExpSource).join("|")})$`);
    allowsModel = (model) => pattern.test(model);
  }
  return {
    id: record.id,
    name: record.name,
    record,
    rateLimit: record.rpm === null && record.tpm === null ? null : { requestsPerMinute: record.rpm, tokensPerMinute: record.tpm },
    budget: record.budget,
    allowsModel,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class KeyCache {
  private entries = new Map<string, Entry>();
  private active: readonly ActiveKey[] = [];
  private version: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private warned = false;

  constructor(
    private readonly store: Store,
    private readonly pollMs = 1000,
  ) {}

  /** Loads the keyring (a store that cannot be read fails the start) and starts polling. */
  async start(): Promise<void> {
    this.version = await this.store.keyringVersion();
    this.load(await this.store.loadKeyring());
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reloads now (after this instance changed a key), rather than at the next poll. */
  async reload(): Promise<void> {
    this.version = await this.store.keyringVersion();
    this.load(await this.store.loadKeyring());
  }

  /** Every key, revoked and expired ones included. */
  keys(): readonly ActiveKey[] {
    return this.active;
  }

  get size(): number {
    return this.active.length;
  }

  /** `digest`: the presented key's hex SHA-256 (key-text.ts hashKey). */
  lookup(digest: string, now: number): KeyLookup {
    const entry = this.entries.get(digest.slice(0, 16));
    if (entry === undefined || !digestsEqual(entry.secret.hash, digest)) return { kind: "unknown" };
    const { key, secret } = entry;
    const record = key.record;
    if (record.revokedAt !== null) return { kind: "refused", keyId: key.id, reason: `API key ${key.id} (${key.name}) was revoked at ${iso(record.revokedAt)}` };
    if (record.expiresAt !== null && record.expiresAt <= now) return { kind: "refused", keyId: key.id, reason: `API key ${key.id} (${key.name}) expired at ${iso(record.expiresAt)}` };
    if (secret.expiresAt !== null && secret.expiresAt <= now) {
      return { kind: "refused", keyId: key.id, reason: `API key ${key.id} (${key.name}) was rotated; this key stopped working at ${iso(secret.expiresAt)}: use the new one` };
    }
    return { kind: "valid", key };
  }

  private load(keyring: Keyring): void {
    const byId = new Map<string, ActiveKey>();
    for (const record of keyring.keys) byId.set(record.id, activate(record));
    const entries = new Map<string, Entry>();
    for (const secret of keyring.secrets) {
      const key = byId.get(secret.keyId);
      if (key === undefined) continue;
      entries.set(secret.hash.slice(0, 16), { secret, key });
    }
    this.entries = entries;
    this.active = [...byId.values()];
  }

  private poll(): Promise<void> {
    // One poll at a time: a slow store must not pile up queries.
    this.polling ??= (async () => {
      try {
        const version = await this.store.keyringVersion();
        if (version !== this.version) {
          const keyring = await this.store.loadKeyring();
          this.version = version;
          this.load(keyring);
        }
        if (this.warned) {
          this.warned = false;
          appLog.info({ store: this.store.where }, `key store ${this.store.where} is reachable again`);
        }
      } catch (error) {
        if (!this.warned) {
          this.warned = true;
          appLog.warn({ store: this.store.where }, `cannot read keys from ${this.store.where} (${(error as Error).message}); the last keys loaded stay in force`);
        }
      } finally {
        this.polling = null;
      }
    })();
    return this.polling;
  }
}
