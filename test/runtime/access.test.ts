// The gateway's door without a server: key policy parsing (the CLI's and admin API's one set of rules),
// the keyring cache against a real SQLite store (lookup, revocation, expiry, rotation grace, polling), the
// gate's 401/403 decisions, and which X-Forwarded-For entry names the client behind trusted proxies.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { createKey, KeyInputError, parsePolicy, rotateKey } from "../../runtime/access/key-admin.ts";
import { KeyCache } from "../../runtime/access/keyring.ts";
import { hashKey } from "../../runtime/access/key-text.ts";
import { AccessGate } from "../../runtime/access/gate.ts";
import { TrustedProxies, type RequestIdentity } from "../../runtime/access/client-identity.ts";
import { openStore } from "../../runtime/store/open.ts";
import type { Store } from "../../runtime/store/types.ts";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

describe("parsePolicy", () => {
  it("reads CLI strings and API values alike", () => {
    expect(parsePolicy({ models: "gpt-4o, claude-*", rpm: "60", tpm: 1000, budget_usd: "2.5", budget_period: "week", expires: "30d" }, NOW)).toEqual({
      models: ["gpt-4o", "claude-*"],
      rpm: 60,
      tpm: 1000,
      budget: { limitNanos: 2_500_000_000, period: "week" },
      expiresAt: NOW + 30 * 86_400_000,
    });
    expect(parsePolicy({ models: ["*"], rpm: null, budget_usd: null, expires: null }, NOW)).toEqual({ models: null, rpm: null, budget: null, expiresAt: null });
  });

  it.each([
    [{ rpm: "0" }, "rpm: expected a positive whole number"],
    [{ rpm: 2.5 }, "rpm: expected a positive whole number"],
    [{ budget_usd: "ten", budget_period: "day" }, "budget-usd: expected an amount in US dollars"],
    [{ budget_usd: 5 }, "budget-period: a budget needs a period"],
    [{ budget_usd: 5, budget_period: "year" }, "budget-period: expected one of day, week, month, total"],
    [{ budget_period: "day" }, "give the budget too"],
    [{ expires: "soon" }, "expires: expected a duration such as 30m"],
    [{ models: " , " }, "models: name at least one model"],
    [{ name: "" }, "name: expected a non-empty name"],
  ])("refuses %j with a message naming the field", (input, message) => {
    expect(() => parsePolicy(input, NOW)).toThrow(KeyInputError);
    expect(() => parsePolicy(input, NOW)).toThrow(message);
  });
});

describe("TrustedProxies", () => {
  const proxies = new TrustedProxies(["10.0.0.0/8", "192.168.1.10", "fd00::/8"]);

  it("believes X-Forwarded-For only from a trusted peer, taking the first untrusted hop from the right", () => {
    expect(proxies.clientOf("10.1.2.3", "198.51.100.9, 192.168.1.10")).toBe("198.51.100.9");
    // The leftmost entry was written by the client: a spoofed one is passed over.
    expect(proxies.clientOf("10.1.2.3", "1.2.3.4, 198.51.100.9")).toBe("198.51.100.9");
    expect(proxies.clientOf("203.0.113.5", "198.51.100.9")).toBe("203.0.113.5");
    expect(proxies.clientOf("fd00::1", "2001:db8::7")).toBe("2001:db8::7");
    expect(proxies.clientOf("10.1.2.3", "")).toBe("10.1.2.3");
    expect(proxies.clientOf("10.1.2.3", "not-an-address")).toBe("not-an-address");
  });
});

describe("keyring and gate (SQLite store)", () => {
  let store: Store;
  let cache: KeyCache;

  afterEach(async () => {
    cache?.stop();
    await store?.close();
  });

  const identity = (key: string | null): RequestIdentity =>
    ({ gatewayKey: key, digest: key === null ? null : hashKey(key), account: null, refusedKeyId: null, key, keyId: null, ip: "127.0.0.1" }) as unknown as RequestIdentity;

  it("authenticates, refuses revoked, expired and rotated-out keys with reasons, and applies model globs", async () => {
    store = await openStore("sqlite::memory:");
    cache = new KeyCache(store, 50);
    const { record, key } = await createKey(store, { name: "ci", models: "gpt-4o*,claude-?-opus" }, NOW);
    const brief = await createKey(store, { name: "brief", expires: "1m" }, NOW);
    await cache.start();

    const gate = new AccessGate(cache, true);
    const ok = identity(key);
    expect(gate.authenticate(ok, NOW)).toBeNull();
    expect(ok.account?.id).toBe(record.id);
    expect(gate.refuseModel(ok, "gpt-4o-mini")).toBeNull();
    expect(gate.refuseModel(ok, "claude-3-opus")).toBeNull();
    expect(gate.refuseModel(ok, "claude-35-opus")).toMatchObject({ status: 403, code: "model_not_allowed" });

    expect(gate.authenticate(identity(null), NOW)).toMatchObject({ status: 401, code: "missing_api_key" });
    expect(gate.authenticate(identity(key + "x"), NOW)).toMatchObject({ status: 401, code: "invalid_api_key" });
    expect(gate.authenticate(identity(brief.key), NOW + 59_000)).toBeNull();
    expect(gate.authenticate(identity(brief.key), NOW + 60_000)?.message).toContain("expired at");

    // An open gateway lets unknown keys through as anonymous (bring-your-own-key), but not revoked ones.
    const open = new AccessGate(cache, false);
    const anonymous = identity("sk-provider-key-of-the-client");
    expect(open.authenticate(anonymous, NOW)).toBeNull();
    expect(anonymous.account).toBeNull();
    expect(open.authenticate(identity(null), NOW)).toBeNull();

    const rotated = await rotateKey(store, record.id, 10_000, NOW);
    await store.revokeKey(brief.record.id, NOW);
    await cache.reload();
    expect(gate.authenticate(identity(rotated!.key), NOW)).toBeNull();
    expect(gate.authenticate(identity(key), NOW + 5_000)).toBeNull();
    expect(gate.authenticate(identity(key), NOW + 10_000)?.message).toContain("was rotated");
    expect(open.authenticate(identity(brief.key), NOW)?.message).toContain("was revoked");
  });

  it("picks up a change made through another connection by polling", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "switchyard-keyring-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = `sqlite:${path.join(dir, "keys.db")}`;
    store = await openStore(file);
    cache = new KeyCache(store, 50);
    await cache.start();
    expect(cache.size).toBe(0);
    const other = await openStore(file);
    const { key } = await createKey(other, { name: "late" });
    await other.close();
    const deadline = Date.now() + 2000;
    while (cache.lookup(hashKey(key), Date.now()).kind !== "valid" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(cache.lookup(hashKey(key), Date.now()).kind).toBe("valid");
  });

  it("keeps the last keyring when the store cannot be read", async () => {
    store = await openStore("sqlite::memory:");
    const { key } = await createKey(store, { name: "steady" });
    cache = new KeyCache(store, 20);
    await cache.start();
    await store.close();
    await new Promise((r) => setTimeout(r, 80));
    expect(cache.lookup(hashKey(key), Date.now()).kind).toBe("valid");
    store = await openStore("sqlite::memory:");
  });
});
