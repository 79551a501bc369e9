// One table of behaviour tests run against both stores: a SQLite file and a real PostgreSQL (initdb'd into
// a temp directory). Each test gets a fresh database; the concurrency tests use two Store instances (two
// connections / two pools) on one database, and for SQLite several processes on one file.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Migration } from "../../../runtime/store/migrations/migration.ts";
import { postgresMigrations } from "../../../runtime/store/migrations/postgres.ts";
import { sqliteMigrations } from "../../../runtime/store/migrations/sqlite.ts";
import { openStore, redactUrl } from "../../../runtime/store/open.ts";
import type { KeyRecord, KeySecret, SpendRow, Store } from "../../../runtime/store/types.ts";
import { startPostgres, type PostgresServer } from "../../support/postgres-server.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "switchyard-store-"));
let server: PostgresServer;
let admin: pg.Client;
let databases = 0;
const opened: Store[] = [];

beforeAll(async () => {
  server = await startPostgres();
  admin = new pg.Client(server.url);
  await admin.connect();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await admin?.end();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Backend {
  readonly name: "sqlite" | "postgres";
  readonly migrations: readonly Migration[];
  /** The url of a new, empty database. */
  fresh(): Promise<string>;
  /** Rows of `sql` run directly on the database at `url`, for looking under the store. */
  query(url: string, sql: string): Promise<Record<string, unknown>[]>;
}

const backends: Backend[] = [
  {
    name: "sqlite",
    migrations: sqliteMigrations,
    fresh: async () => `sqlite:${join(dir, `db${++databases}`, "store.db")}`,
    async query(url, sql) {
      const db = new Database(url.slice("sqlite:".length), { readonly: true });
      try {
        return db.prepare(sql).all() as Record<string, unknown>[];
      } finally {
        db.close();
      }
    },
  },
  {
    name: "postgres",
    migrations: postgresMigrations,
    async fresh() {
      const name = `store_${++databases}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return server.urlOf(name);
    },
    async query(url, sql) {
      const client = new pg.Client(url);
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    },
  },
];

/** Opens a store that afterEach closes. */
async function open(url: string): Promise<Store> {
  const store = await openStore(url);
  opened.push(store);
  return store;
}

let keys = 0;
function key(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: `key_${(++keys).toString(16).padStart(16, "0")}`,
    name: `key ${keys}`,
    models: null,
    rpm: null,
    tpm: null,
    budget: null,
    createdAt: 1_700_000_000_000 + keys,
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  };
}

function secret(keyId: string, hash: string, overrides: Partial<KeySecret> = {}): KeySecret {
  return { hash, keyId, hint: `sk-sy-${hash.slice(0, 4)}…`, createdAt: 1_700_000_000_000, expiresAt: null, ...overrides };
}

function spendRow(overrides: Partial<SpendRow>): SpendRow {
  return {
    day: "2026-03-01",
    keyId: "key_a",
    model: "gpt-4o",
    provider: "openai",
    upstreamModel: "gpt-4o-2024-08-06",
    requests: 1,
    inputTokens: 100,
    outputTokens: 10,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costNanos: 1000,
    ...overrides,
  };
}

const period = "day:2026-03-01";
const reserveOf = (keyId: string, reservationId: string, amountNanos: number, limitNanos: number, now = 1000) => ({
  reservationId,
  keyId,
  period,
  limitNanos,
  amountNanos,
  now,
});
const settleOf = (keyId: string, reservationId: string, costNanos: number) => ({ reservationId, keyId, period, costNanos });

describe.each(backends)("$name store", (backend) => {
  let store: Store;
  let url: string;
  const setup = async () => {
    url = await backend.fresh();
    store = await open(url);
  };

  describe("keys", () => {
    it("creates keys and reads them back field for field; lists them oldest first", async () => {
      await setup();
      const later = key({ createdAt: 2000, models: ["gpt-*", "claude-?-sonnet"], rpm: 60, tpm: 100_000 });
      const earlier = key({ createdAt: 1000, budget: { limitNanos: 5_000_000_000, period: "month" }, expiresAt: 9000 });
      await store.createKey(later, secret(later.id, "a".repeat(64)));
      await store.createKey(earlier, secret(earlier.id, "b".repeat(64), { expiresAt: 7000 }));
      expect(await store.getKey(later.id)).toEqual(later);
      expect(await store.getKey(earlier.id)).toEqual(earlier);
      expect(await store.getKey("key_missing")).toBeNull();
      expect(await store.listKeys()).toEqual([earlier, later]);
      const ring = await store.loadKeyring();
      expect(ring.keys).toEqual([earlier, later]);
      expect(ring.secrets).toEqual(
        expect.arrayContaining([secret(later.id, "a".repeat(64)), secret(earlier.id, "b".repeat(64), { expiresAt: 7000 })]),
      );
      expect(ring.secrets).toHaveLength(2);
    });

    it("refuses a duplicate id, a duplicate secret, and a secret of another key, writing nothing", async () => {
      await setup();
      const k = key();
      await store.createKey(k, secret(k.id, "h1"));
      await expect(store.createKey(k, secret(k.id, "h2"))).rejects.toThrow();
      const other = key();
      await expect(store.createKey(other, secret(other.id, "h1"))).rejects.toThrow();
      await expect(store.createKey(key(), secret(other.id, "h3"))).rejects.toThrow(/secret of/);
      expect(await store.listKeys()).toEqual([k]);
      expect((await store.loadKeyring()).secrets.map((s) => s.hash)).toEqual(["h1"]);
    });

    it("updateKey applies only the fields present, null clears one, and an unknown key gives null", async () => {
      await setup();
      const k = key({ models: ["a*"], rpm: 10, tpm: 20, budget: { limitNanos: 100, period: "day" }, expiresAt: 5000 });
      await store.createKey(k, secret(k.id, "h"));
      expect(await store.updateKey(k.id, { name: "renamed", rpm: undefined })).toEqual({ ...k, name: "renamed" });
      expect(await store.updateKey(k.id, { rpm: null, budget: { limitNanos: 7, period: "total" } })).toEqual({
        ...k,
        name: "renamed",
        rpm: null,
        budget: { limitNanos: 7, period: "total" },
      });
      const cleared = await store.updateKey(k.id, { models: null, tpm: null, budget: null, expiresAt: null });
      expect(cleared).toEqual({ ...k, name: "renamed", models: null, rpm: null, tpm: null, budget: null, expiresAt: null });
      expect(await store.updateKey(k.id, { models: ["x", "y"], expiresAt: 42 })).toMatchObject({ models: ["x", "y"], expiresAt: 42 });
      expect(await store.getKey(k.id)).toMatchObject({ models: ["x", "y"], expiresAt: 42, rpm: null });
      expect(await store.updateKey("key_missing", { name: "x" })).toBeNull();
    });

    it("revokeKey sets revokedAt once and keeps it; an unknown key gives null", async () => {
      await setup();
      const k = key();
      await store.createKey(k, secret(k.id, "h"));
      expect(await store.revokeKey(k.id, 5000)).toEqual({ ...k, revokedAt: 5000 });
      expect(await store.revokeKey(k.id, 9000)).toEqual({ ...k, revokedAt: 5000 });
      expect(await store.getKey(k.id)).toEqual({ ...k, revokedAt: 5000 });
      expect(await store.revokeKey("key_missing", 1)).toBeNull();
    });

    it("rotateKey adds the secret and brings forward every other secret's expiry, never pushing one back", async () => {
      await setup();
      const k = key();
      const bystander = key();
      await store.createKey(k, secret(k.id, "old"));
      await store.createKey(bystander, secret(bystander.id, "theirs"));
      expect(await store.rotateKey(secret(k.id, "new1", { createdAt: 2000 }), 10_000)).toBe(true);
      // A second rotation within the grace period, ending sooner: both older secrets now expire at 8000.
      expect(await store.rotateKey(secret(k.id, "new2", { createdAt: 3000 }), 8000)).toBe(true);
      // A third, ending later: only the open-ended "new2" takes it; the others keep their sooner expiry.
      expect(await store.rotateKey(secret(k.id, "new3", { createdAt: 4000 }), 20_000)).toBe(true);
      const byHash = new Map((await store.loadKeyring()).secrets.map((s) => [s.hash, s]));
      expect(byHash.get("old")?.expiresAt).toBe(8000);
      expect(byHash.get("new1")).toEqual(secret(k.id, "new1", { createdAt: 2000, expiresAt: 8000 }));
      expect(byHash.get("new2")?.expiresAt).toBe(20_000);
      expect(byHash.get("new3")).toEqual(secret(k.id, "new3", { createdAt: 4000 }));
      expect(byHash.get("theirs")?.expiresAt).toBeNull();
    });

    it("rotateKey of an unknown key returns false and changes nothing", async () => {
      await setup();
      const k = key();
      await store.createKey(k, secret(k.id, "h"));
      const version = await store.keyringVersion();
      expect(await store.rotateKey(secret("key_missing", "n"), 10)).toBe(false);
      expect((await store.loadKeyring()).secrets.map((s) => s.hash)).toEqual(["h"]);
      expect(await store.keyringVersion()).toBe(version);
    });

    it("keyringVersion moves after every create, update, revoke and rotate, as seen through another instance", async () => {
      await setup();
      const other = await open(url);
      const seen = [await other.keyringVersion()];
      const moved = async (through: Store, watcher: Store) => {
        const v = await watcher.keyringVersion();
        expect(v).not.toBe(seen.at(-1));
        seen.push(v);
        expect(await through.keyringVersion()).toBe(v);
      };
      const k = key();
      await store.createKey(k, secret(k.id, "h1"));
      await moved(store, other);
      await other.updateKey(k.id, { rpm: 5 });
      await moved(other, store);
      await store.rotateKey(secret(k.id, "h2"), 100);
      await moved(store, other);
      await other.revokeKey(k.id, 50);
      await moved(other, store);
      // Reads and budget traffic leave it alone.
      await store.loadKeyring();
      await store.reserve(reserveOf(k.id, "r", 1, 10));
      await store.addSpend([spendRow({ keyId: k.id })]);
      expect(await other.keyringVersion()).toBe(seen.at(-1));
      expect(new Set(seen).size).toBe(seen.length);
    });
  });

  describe("spend ledger", () => {
    it("sums rows into existing ones, within a batch too, and lists a range inclusively by day, key, model", async () => {
      await setup();
      await store.addSpend([]);
      await store.addSpend([
        spendRow({ day: "2026-03-02", keyId: "key_b", model: "m1" }),
        spendRow({ day: "2026-03-01", keyId: "key_b", model: "m2" }),
        spendRow({ day: "2026-03-01", keyId: "key_a", model: "m2", costNanos: 5 }),
        spendRow({ day: "2026-03-01", keyId: "key_a", model: "m2", costNanos: 7, inputTokens: 1, cacheReadTokens: 3 }),
        spendRow({ day: "2026-03-01", keyId: "", model: "m1" }),
        spendRow({ day: "2026-02-28", keyId: "key_a", model: "m1" }),
        spendRow({ day: "2026-03-03", keyId: "key_a", model: "m1" }),
      ]);
      await store.addSpend([
        spendRow({ day: "2026-03-01", keyId: "key_a", model: "m2", requests: 2, outputTokens: 5, cacheWriteTokens: 4, costNanos: 1 }),
      ]);
      const all = await store.spend(null, "2026-03-01", "2026-03-02");
      expect(all.map((r) => [r.day, r.keyId, r.model])).toEqual([
        ["2026-03-01", "", "m1"],
        ["2026-03-01", "key_a", "m2"],
        ["2026-03-01", "key_b", "m2"],
        ["2026-03-02", "key_b", "m1"],
      ]);
      expect(all[1]).toEqual(
        spendRow({
          day: "2026-03-01",
          keyId: "key_a",
          model: "m2",
          requests: 4,
          inputTokens: 201,
          outputTokens: 25,
          cacheReadTokens: 3,
          cacheWriteTokens: 4,
          costNanos: 13,
        }),
      );
      expect((await store.spend("key_a", "2026-02-28", "2026-03-03")).map((r) => r.day)).toEqual([
        "2026-02-28",
        "2026-03-01",
        "2026-03-03",
      ]);
      expect(await store.spend("key_c", "2026-01-01", "2026-12-31")).toEqual([]);
    });

    it("keeps rows apart by provider and upstream model", async () => {
      await setup();
      await store.addSpend([spendRow({ provider: "openai" }), spendRow({ provider: "azure" }), spendRow({ upstreamModel: "other" })]);
      expect(await store.spend("key_a", "2026-03-01", "2026-03-01")).toHaveLength(3);
    });
  });

  describe("budgets", () => {
    it("reserves while spent + reserved + amount <= limit, and a refusal reports the usage and changes nothing", async () => {
      await setup();
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 0, reservedNanos: 0 });
      expect(await store.reserve(reserveOf("key_a", "r1", 40, 100))).toEqual({ ok: true });
      expect(await store.reserve(reserveOf("key_a", "r2", 60, 100))).toEqual({ ok: true });
      expect(await store.reserve(reserveOf("key_a", "r3", 1, 100))).toEqual({ ok: false, usage: { spentNanos: 0, reservedNanos: 100 } });
      await store.settle(settleOf("key_a", "r1", 30));
      expect(await store.reserve(reserveOf("key_a", "r4", 11, 100))).toEqual({ ok: false, usage: { spentNanos: 30, reservedNanos: 60 } });
      expect(await store.reserve(reserveOf("key_a", "r5", 10, 100))).toEqual({ ok: true });
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 30, reservedNanos: 70 });
      // Refused reservations were never recorded: only r2 and r5 are there to release.
      expect(await store.releaseStaleReservations(Number.MAX_SAFE_INTEGER)).toBe(2);
    });

    it("keeps keys and periods apart; a first reserve over the limit creates nothing", async () => {
      await setup();
      expect(await store.reserve(reserveOf("key_a", "r1", 101, 100))).toEqual({ ok: false, usage: { spentNanos: 0, reservedNanos: 0 } });
      expect(await store.reserve(reserveOf("key_a", "r2", 100, 100))).toEqual({ ok: true });
      expect(await store.reserve(reserveOf("key_b", "r3", 100, 100))).toEqual({ ok: true });
      expect(await store.reserve({ ...reserveOf("key_a", "r4", 100, 100), period: "day:2026-03-02" })).toEqual({ ok: true });
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 0, reservedNanos: 100 });
      expect(await store.budgetUsage("key_a", "day:2026-03-02")).toEqual({ spentNanos: 0, reservedNanos: 100 });
      expect(await store.budgetUsage("key_b", period)).toEqual({ spentNanos: 0, reservedNanos: 100 });
    });

    it("refuses a reservation id already in use, changing nothing", async () => {
      await setup();
      await store.reserve(reserveOf("key_a", "r1", 10, 100));
      await expect(store.reserve(reserveOf("key_a", "r1", 20, 100))).rejects.toThrow();
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 0, reservedNanos: 10 });
    });

    it("settle releases the reservation once; spend is recorded every time", async () => {
      await setup();
      await store.reserve(reserveOf("key_a", "r1", 50, 1000));
      await store.reserve(reserveOf("key_a", "r2", 70, 1000));
      await store.settle(settleOf("key_a", "r1", 20));
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 20, reservedNanos: 70 });
      await store.settle(settleOf("key_a", "r1", 20));
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 40, reservedNanos: 70 });
      await store.settle(settleOf("key_a", "r2", 0));
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 40, reservedNanos: 0 });
      // A settle with no reservation at all (a key without one in this period) still records its cost.
      await store.settle(settleOf("key_z", "never-reserved", 9));
      expect(await store.budgetUsage("key_z", period)).toEqual({ spentNanos: 9, reservedNanos: 0 });
    });

    it("releaseStaleReservations releases only those made before the time, and a late settle still records its cost", async () => {
      await setup();
      await store.reserve(reserveOf("key_a", "old1", 10, 1000, 100));
      await store.reserve(reserveOf("key_a", "old2", 20, 1000, 199));
      await store.reserve(reserveOf("key_b", "old3", 5, 1000, 150));
      await store.reserve(reserveOf("key_a", "edge", 40, 1000, 200));
      await store.reserve(reserveOf("key_a", "new", 80, 1000, 300));
      expect(await store.releaseStaleReservations(200)).toBe(3);
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 0, reservedNanos: 120 });
      expect(await store.budgetUsage("key_b", period)).toEqual({ spentNanos: 0, reservedNanos: 0 });
      expect(await store.releaseStaleReservations(200)).toBe(0);
      await store.settle(settleOf("key_a", "old1", 7));
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 7, reservedNanos: 120 });
      await store.settle(settleOf("key_a", "edge", 40));
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 47, reservedNanos: 80 });
    });
  });

  describe("concurrency", () => {
    it("50 reserves at once through two instances: exactly the 10 the limit covers succeed", async () => {
      await setup();
      const other = await open(url);
      const amount = 7_000;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : other).reserve(reserveOf("key_a", `r${i}`, amount, 10 * amount))),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      for (const r of results) if (!r.ok) expect(r.usage.spentNanos + r.usage.reservedNanos + amount).toBeGreaterThan(10 * amount);
      expect(await other.budgetUsage("key_a", period)).toEqual({ spentNanos: 0, reservedNanos: 10 * amount });
      expect(await store.releaseStaleReservations(Number.MAX_SAFE_INTEGER)).toBe(10);
      expect(await other.budgetUsage("key_a", period)).toEqual({ spentNanos: 0, reservedNanos: 0 });
    });

    it("settles racing the stale sweep and each other release every reservation exactly once", async () => {
      await setup();
      const other = await open(url);
      const ids = Array.from({ length: 30 }, (_, i) => `r${i}`);
      for (const id of ids) expect(await store.reserve(reserveOf("key_a", id, 100, 1_000_000, 10))).toEqual({ ok: true });
      await Promise.all([
        ...ids.map((id) => store.settle(settleOf("key_a", id, 1))),
        ...ids.map((id) => other.settle(settleOf("key_a", id, 1))),
        other.releaseStaleReservations(11),
        store.releaseStaleReservations(11),
      ]);
      expect(await store.budgetUsage("key_a", period)).toEqual({ spentNanos: 60, reservedNanos: 0 });
    });
  });

  describe("migrations", () => {
    it("are numbered 1, 2, 3… in order", () => {
      expect(backend.migrations.map((m) => m.version)).toEqual(backend.migrations.map((_, i) => i + 1));
    });

    it("are applied once: reopening finds nothing to do and keeps the data", async () => {
      await setup();
      const k = key();
      await store.createKey(k, secret(k.id, "h"));
      const applied = await backend.query(url, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
      expect(applied.map((r) => Number(r.version))).toEqual(backend.migrations.map((m) => m.version));
      await store.close();
      const again = await open(url);
      expect(await backend.query(url, "SELECT version, applied_at FROM schema_migrations ORDER BY version")).toEqual(applied);
      expect(await again.listKeys()).toEqual([k]);
    });

    it("several stores opening a fresh database at once all succeed, and it is migrated once", async () => {
      const fresh = await backend.fresh();
      const stores = await Promise.all([1, 2, 3, 4].map(() => open(fresh)));
      const applied = await backend.query(fresh, "SELECT version FROM schema_migrations ORDER BY version");
      expect(applied.map((r) => Number(r.version))).toEqual(backend.migrations.map((m) => m.version));
      for (const s of stores) expect(await s.keyringVersion()).toBe(0);
    });
  });
});

describe("SQLite across processes", () => {
  it("reserves from four processes opening one fresh file at once: exactly the limit's worth succeed", async () => {
    const path = join(dir, "processes", "store.db");
    const amount = 3;
    const covered = 37;
    const perProcess = 20;
    // Each child opens the file itself (so the four also race to migrate it), says "ready", and on "go"
    // fires its reserves one after another; the four children's reserves interleave.
    const child = `
      const [module, path, name, count, amount, limit] = process.argv.slice(1);
      const { SqliteStore } = await import(module);
      const store = new SqliteStore(path);
      process.stdout.write("ready\\n");
      process.stdin.once("data", async () => {
        let ok = 0;
        for (let i = 0; i < Number(count); i++) {
          const r = await store.reserve({ reservationId: name + "-" + i, keyId: "key_a", period: "p", limitNanos: Number(limit), amountNanos: Number(amount), now: 1 });
          if (r.ok) ok++;
        }
        await store.close();
        process.stdout.write("ok " + ok + "\\n");
      });`;
    const module = join(root, "runtime/store/sqlite.ts");
    const children = [1, 2, 3, 4].map((n) => {
      const args = [module, path, `p${n}`, String(perProcess), String(amount), String(covered * amount)];
      const proc = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", child, ...args], {
        cwd: root,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      proc.stdout.on("data", (d) => (out += d));
      proc.stderr.on("data", (d) => (err += d));
      const until = (pattern: RegExp) =>
        new Promise<string>((resolve, reject) => {
          const check = () => {
            const m = pattern.exec(out);
            if (m) return resolve(m[1] ?? m[0]);
            if (proc.exitCode !== null) return reject(new Error(`child p${n} exited ${proc.exitCode}: ${err}`));
            setTimeout(check, 10);
          };
          check();
        });
      return { proc, until };
    });
    await Promise.all(children.map((c) => c.until(/ready/)));
    for (const c of children) c.proc.stdin.write("go\n");
    const counts = await Promise.all(children.map((c) => c.until(/ok (\d+)/).then(Number)));
    for (const c of children) c.proc.stdin.end();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(covered);
    const store = await open(`sqlite:${path}`);
    expect(await store.budgetUsage("key_a", "p")).toEqual({ spentNanos: 0, reservedNanos: covered * amount });
    expect(await store.releaseStaleReservations(Number.MAX_SAFE_INTEGER)).toBe(covered);
  });
});

describe("openStore", () => {
  it("opens sqlite:PATH relative to the working directory, creating its directory, and sqlite::memory:", async () => {
    const target = join(dir, "relative", "nested", "store.db");
    const store = await open(`sqlite:${relative(process.cwd(), target)}`);
    expect(store.kind).toBe("sqlite");
    expect(store.where).toBe(`sqlite:${target}`);
    expect(existsSync(target)).toBe(true);
    const memory = await open("sqlite::memory:");
    expect(await memory.reserve(reserveOf("key_a", "r", 1, 1))).toEqual({ ok: true });
  });

  it("names a PostgreSQL store without its password", async () => {
    const withPassword = server.url.replace("postgres@", "postgres:hunter2@");
    const store = await open(withPassword);
    expect(store.kind).toBe("postgres");
    expect(store.where).not.toContain("hunter2");
    expect(store.where).toContain(`127.0.0.1:${server.port}`);
    expect(await store.keyringVersion()).toBeTypeOf("number");
  });

  it("says which forms it accepts for anything else, without repeating a password", async () => {
    for (const url of ["mysql://u:hunter2@h/db", "sqlite:", "sqlite://data/x.db", "data/x.db", ""]) {
      const err = await openStore(url).then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/sqlite:PATH.*postgres:\/\//);
      expect(err?.message).not.toContain("hunter2");
    }
  });

  it("fails with the store's name when the SQLite file cannot be opened", async () => {
    const notADirectory = join(dir, "plain-file");
    writeFileSync(notADirectory, "");
    await expect(openStore(`sqlite:${notADirectory}/store.db`)).rejects.toThrow(`store sqlite:${notADirectory}/store.db: `);
  });

  it("fails with the store's name when PostgreSQL cannot be reached", async () => {
    await expect(openStore("postgresql://u:hunter2@127.0.0.1:1/db")).rejects.toThrow(/^store postgresql:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: /);
  });

  it("redactUrl hides the password in the authority and in a password parameter", () => {
    expect(redactUrl("postgres://app:s3cret@db.internal:5432/switchyard")).toBe("postgres://app:***@db.internal:5432/switchyard");
    expect(redactUrl("postgresql://app@db/sy?sslmode=require&password=s3cret")).toBe("postgresql://app@db/sy?sslmode=require&password=***");
    expect(redactUrl("postgres://app@db/sy")).toBe("postgres://app@db/sy");
    expect(redactUrl("sqlite:data/x.db")).toBe("sqlite:data/x.db");
  });
});
