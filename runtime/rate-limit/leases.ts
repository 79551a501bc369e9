// Shared buckets spent locally: each instance leases units of a Redis bucket and spends them in this
// process, so a request whose every bucket is covered by a lease is checked without a round trip (and
// synchronously), and a settle only moves this process's balance. Redis hears from an instance when a lease
// runs below half (a top-up, in the background), when a request is not covered (a check that also tops up),
// when a settle left a debt or handed units back, and when a lease sat unused for IDLE_MS (it is returned).
// All of that goes through RedisBucketStore, one EVALSHA per event-loop turn.
//
// The bound: leases are taken from the shared bucket by its own rules, so the fleet never spends more than
// one exact bucket would have let through, plus what instances hold unspent when an interval starts: at
// most floor(share × capacity) each (one top-up in flight per bucket and instance keeps it so). The grant
// is a share of what is left, so a bucket near empty is spent one request at a time, exactly, and a bucket
// whose capacity is under 1 / share is never leased at all. Units one instance holds are not available to
// another until spent or returned: a client may be refused by one instance up to that many units early.
import { report, WINDOW_MS, type BucketCharge, type BucketReport, type ChargeResult } from "./bucket.ts";
import type { BucketOp, RedisBucketStore } from "./redis-store.ts";

/** A lease unused this long goes back to its bucket, so idle clients leave nothing stranded. */
export const IDLE_MS = 1000;

interface Lease {
  readonly key: string;
  capacity: number;
  /** The most this instance may hold: floor(share × capacity). */
  max: number;
  /** Units taken from Redis and not spent yet; negative after a settle charged more than was held (a debt). */
  balance: number;
  /** Redis's level after this instance's last exchange, and when (this process's clock): the headers' estimate. */
  level: number;
  at: number;
  usedAt: number;
  /** Operations in flight that touch this bucket; the sweep leaves such a lease alone. */
  inflight: number;
  /** A top-up is in flight: no second one, so the holding stays within `max`. */
  granting: boolean;
}

export class LeasedBuckets {
  private readonly leases = new Map<string, Lease>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: RedisBucketStore,
    /** Share of a bucket's capacity one instance may hold (0: every check asks Redis, exactly). */
    private readonly share: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether Redis answers. When it does not, leases are dropped: the local fallback takes over whole. */
  available(): boolean {
    if (this.store.available()) return true;
    if (this.leases.size > 0) this.leases.clear();
    return false;
  }

  /**
   * Checks and takes `charges` all or none: synchronously when leases cover every bucket, else through
   * Redis. Rejects when Redis failed; nothing is then held for the request.
   */
  charge(charges: readonly BucketCharge[]): ChargeResult | Promise<ChargeResult> {
    const now = this.now();
    let covered = true;
    for (const c of charges) {
      const lease = this.leases.get(c.key);
      // A bucket in debt refuses even a free request: only units actually held count.
      if (lease === undefined || lease.balance < c.cost || lease.balance <= 0) {
        covered = false;
        break;
      }
    }
    if (!covered) return this.ask(charges, now);
    const reports: BucketReport[] = [];
    for (const c of charges) {
      const lease = this.leases.get(c.key)!;
      lease.balance -= c.cost;
      lease.usedAt = now;
      reports.push(estimate(lease, now));
      this.refill(lease);
    }
    return { allowed: true, waitMs: 0, reports };
  }

  /** Books a settle (cost: extra units used, negative for a refund) against this instance's balances. */
  settle(charges: readonly BucketCharge[]): void {
    const now = this.now();
    for (const c of charges) {
      const lease = this.lease(c, now);
      lease.balance -= c.cost;
      lease.usedAt = now;
      this.refill(lease);
    }
  }

  /** Hands every balance back (or pays it) in one exchange: on shutdown, so nothing is left stranded. */
  async close(): Promise<void> {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
    if (!this.store.available()) return;
    const returns: Promise<unknown>[] = [];
    for (const lease of this.leases.values()) {
      if (lease.balance !== 0) returns.push(this.store.send(false, [op(lease, -lease.balance, 0, 0, 0)]).catch(() => {}));
    }
    this.leases.clear();
    await Promise.all([this.store.flush(), ...returns]);
  }

  /** Leases held (for tests). */
  get size(): number {
    return this.leases.size;
  }

  /** Units this instance holds of a bucket (for tests). */
  held(key: string): number {
    return this.leases.get(key)?.balance ?? 0;
  }

  /** A request not covered: its short buckets go to Redis, the covered ones are held locally meanwhile. */
  private async ask(charges: readonly BucketCharge[], now: number): Promise<ChargeResult> {
    const leases: Lease[] = [];
    /** Per charge: units taken from the lease (a covered bucket: its whole cost), or -1 when sent to Redis. */
    const local: number[] = [];
    const buckets: BucketOp[] = [];
    const parts: number[] = [];
    const pays: number[] = [];
    for (const c of charges) {
      const lease = this.lease(c, now);
      lease.usedAt = now;
      leases.push(lease);
      if (lease.balance >= c.cost && lease.balance > 0) {
        lease.balance -= c.cost;
        local.push(c.cost);
        continue;
      }
      // What the lease holds counts towards the cost; a debt is paid first.
      const part = Math.max(0, lease.balance);
      const pay = Math.max(0, -lease.balance);
      lease.balance = 0;
      const room = lease.granting ? 0 : lease.max;
      if (room > 0) lease.granting = true;
      lease.inflight++;
      local.push(-1);
      parts.push(part);
      pays.push(pay);
      buckets.push(op(lease, pay, Math.min(c.cost, c.capacity) - part, c.cost - part, room));
    }
    let result;
    if (buckets.length === 0) return { allowed: true, waitMs: 0, reports: leases.map((lease) => estimate(lease, now)) };
    try {
      result = await this.store.send(true, buckets);
    } catch (error) {
      for (let i = 0, j = 0; i < charges.length; i++) {
        const lease = leases[i]!;
        if (local[i]! >= 0) {
          lease.balance += local[i]!;
          continue;
        }
        lease.balance += parts[j]! - pays[j]!;
        if (buckets[j]!.room > 0) lease.granting = false;
        lease.inflight--;
        j++;
      }
      throw error;
    }
    const after = this.now();
    const reports: BucketReport[] = [];
    for (let i = 0, j = 0; i < charges.length; i++) {
      const lease = leases[i]!;
      if (local[i]! >= 0) {
        if (!result.allowed) lease.balance += local[i]!;
        reports.push(estimate(lease, after));
        continue;
      }
      if (!result.allowed) lease.balance += parts[j]!;
      lease.balance += result.granted[j]!;
      if (buckets[j]!.room > 0) lease.granting = false;
      lease.inflight--;
      lease.level = result.reports[j]!.remaining;
      lease.at = after;
      reports.push(estimate(lease, after));
      this.settled(lease);
      j++;
    }
    // Buckets checked in Redis just had their top-up; those spent from their lease may want one.
    if (result.allowed) for (let i = 0; i < charges.length; i++) if (local[i]! >= 0) this.refill(leases[i]!);
    return { allowed: result.allowed, waitMs: result.waitMs, reports };
  }

  /**
   * Tops a lease up once it runs below half, pays a debt, hands back what exceeds `max` (a refund): in the
   * background, one top-up at a time per bucket.
   */
  private refill(lease: Lease): void {
    if (lease.granting) return;
    const balance = lease.balance;
    if (balance >= 0 && balance <= lease.max && (lease.max === 0 || balance >= lease.max / 2)) return;
    const pay = balance < 0 ? -balance : balance > lease.max ? lease.max - balance : 0;
    lease.balance += pay;
    const room = lease.max - lease.balance;
    if (room > 0) lease.granting = true;
    lease.inflight++;
    this.store.send(false, [op(lease, pay, 0, 0, room)]).then(
      (result) => {
        lease.balance += result.granted[0]!;
        lease.level = result.reports[0]!.remaining;
        lease.at = this.now();
        if (room > 0) lease.granting = false;
        lease.inflight--;
        this.settled(lease);
      },
      () => {
        // Redis failed: the debt or refund stays here (dropped with the leases if Redis stays away).
        lease.balance -= pay;
        if (room > 0) lease.granting = false;
        lease.inflight--;
      },
    );
  }

  /** After a reply: a settle that came in meanwhile may have left a debt or more than `max` to hand back. */
  private settled(lease: Lease): void {
    if (lease.balance < 0 || lease.balance > lease.max) this.refill(lease);
  }

  private lease(c: BucketCharge, now: number): Lease {
    let lease = this.leases.get(c.key);
    if (lease === undefined) {
      // Unknown until Redis answers: assume full, as a missing key means.
      lease = { key: c.key, capacity: c.capacity, max: Math.floor(this.share * c.capacity), balance: 0, level: c.capacity, at: now, usedAt: now, inflight: 0, granting: false };
      this.leases.set(c.key, lease);
      this.sweeper ??= setInterval(() => this.sweep(), IDLE_MS).unref();
    }
    if (lease.capacity !== c.capacity) {
      // A key's own rpm/tpm can change while the gateway runs (keys update).
      lease.capacity = c.capacity;
      lease.max = Math.floor(this.share * c.capacity);
    }
    return lease;
  }

  /** Returns leases unused for IDLE_MS; forgets them, so memory follows the set of active clients. */
  private sweep(): void {
    const now = this.now();
    for (const lease of this.leases.values()) {
      if (lease.inflight > 0 || now - lease.usedAt < IDLE_MS) continue;
      this.leases.delete(lease.key);
      if (lease.balance !== 0 && this.store.available()) this.store.send(false, [op(lease, -lease.balance, 0, 0, 0)]).catch(() => {});
    }
    if (this.leases.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }
}

function op(lease: Lease, pay: number, need: number, take: number, room: number): BucketOp {
  return { key: lease.key, capacity: lease.capacity, pay, need, take, room };
}

/** What a client has left in a bucket: Redis's last level, refilled since, plus what this instance holds. */
function estimate(lease: Lease, now: number): BucketReport {
  const level = Math.min(lease.capacity, lease.level + ((now - lease.at) * lease.capacity) / WINDOW_MS) + lease.balance;
  return report(Math.min(level, lease.capacity), lease.capacity);
}
