// Circuit breakers shared by every Switchyard instance through Redis, with this process's MemoryBreakerStore
// as the fallback whenever Redis is not answering.
//
// Hot path: `admit` and `record` never wait for Redis. BreakerStore is synchronous, and a round trip per
// attempt (~50-100 µs of ioredis encode/decode on this process's one event loop, plus Redis's own time) would
// cost more than the whole in-process request does. Instead each process keeps a mirror of the shared state
// and decides from it with a Map lookup, as MemoryBreakerStore does; one Lua script (SYNC_LUA) does all of
// a process's exchange with Redis atomically: it adds the outcomes recorded since the last call, opens or
// closes breakers, hands out the half-open probe token, and returns every breaker's state, in one EVALSHA.
// That call runs every `syncMs` (100 ms), and at once (next macrotask) after a failure, a probe's outcome or
// a request that wants the probe, so a breaker that trips in one process is open everywhere within about
// one sync interval. Successes on a healthy route are only counted, and go with the next periodic call.
//
// The probe: after open_ms, a process that sees a request for the target asks for the fleet's one probe
// token (a key set NX with a lease, renewed while its probe is in flight); that request is skipped, and the
// next one in that process is the probe. So at most one instance probes at a time, at the price of one
// skipped request per probe round. Times are Redis's own (TIME), so skewed hosts agree on open_until.
//
// Fallback: when SharedRedis says Redis is unavailable, or the mirror is older than `staleMs`, decisions
// come from the local store, which is fed every outcome all along, so it already knows this process's
// recent history. SharedRedis prints the one warning per outage.
import { ADMITTED, MemoryBreakerStore, OPEN, PROBE, PROBING, type Admission, type AttemptResult, type BreakerPolicy, type BreakerSnapshot, type BreakerStore } from "./circuit-breaker.ts";
import type { SharedRedis, SharedScript } from "../redis/connection.ts";

/** Per breaker (keys: its hash, its probe key), ARGV after the instance id and lease: this many values. */
const ARGS_PER_BREAKER = 11;
/** Per breaker in the reply, after Redis's time. */
const REPLY_PER_BREAKER = 7;

// KEYS: per breaker its state hash then its probe-token key. ARGV[1] this instance's id, ARGV[2] the probe
// lease (ms); then per breaker: failures, error_rate, window_ms, min_requests, open_ms (the policy), then
// the outcomes since the last call: requests, failures, trailing failures (after the last success),
// had a success (0/1), the probe's outcome ('-', 'ok', 'fail', 'cancel'), wants or holds the probe (0/1).
// Hash fields: s state (0 closed, 1 open; half-open is open past u), c consecutive failures, o opened at,
// u open until, and per window bucket i (window_ms / 10 each): e<i> its epoch, r<i> requests, f<i> failures.
// Reply: { now, then per breaker: state, consecutive, opened_at, open_until, window requests, window
// failures, probe holder (0 none, 1 this instance, 2 another) }.
export const SYNC_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local me = ARGV[1]
local lease = tonumber(ARGV[2])
local out = { now }
for i = 1, #KEYS / 2 do
  local hk = KEYS[i * 2 - 1]
  local pk = KEYS[i * 2]
  local a = 2 + (i - 1) * ${ARGS_PER_BREAKER}
  local maxFailures = tonumber(ARGV[a + 1])
  local errorRate = tonumber(ARGV[a + 2])
  local windowMs = tonumber(ARGV[a + 3])
  local minRequests = tonumber(ARGV[a + 4])
  local openMs = tonumber(ARGV[a + 5])
  local requests = tonumber(ARGV[a + 6])
  local failures = tonumber(ARGV[a + 7])
  local trailing = tonumber(ARGV[a + 8])
  local hadSuccess = ARGV[a + 9] == '1'
  local probe = ARGV[a + 10]
  local claim = ARGV[a + 11] == '1'
  -- One HGETALL per breaker: the state and the ten window buckets in a single call.
  local all = redis.call('HGETALL', hk)
  local h = {}
  for j = 1, #all, 2 do h[all[j]] = all[j + 1] end
  local state = tonumber(h.s or '0')
  local consecutive = tonumber(h.c or '0')
  local openedAt = tonumber(h.o or '-1')
  local openUntil = tonumber(h.u or '-1')
  local bucketMs = math.max(1, windowMs / 10)
  local epoch = math.floor(now / bucketMs)
  local holder = redis.call('GET', pk)
  local dirty = false
  local function open()
    state = 1
    openedAt = now
    openUntil = now + openMs
    dirty = true
  end
  if probe ~= '-' then
    -- Only the probe decides a half-open breaker, and only the instance holding the token may report it.
    if holder == me then
      redis.call('DEL', pk)
      holder = false
      if probe == 'ok' then
        redis.call('DEL', hk)
        h = {}
        state = 0
        consecutive = 0
        openedAt = -1
        openUntil = -1
      elseif probe == 'fail' then
        open()
      end
    end
  elseif state == 0 and requests > 0 then
    local slot = epoch % 10
    local r = requests
    local f = failures
    if tonumber(h['e' .. slot] or '-1') == epoch then
      r = r + tonumber(h['r' .. slot])
      f = f + tonumber(h['f' .. slot])
    end
    redis.call('HSET', hk, 'e' .. slot, epoch, 'r' .. slot, r, 'f' .. slot, f)
    h['e' .. slot] = tostring(epoch)
    h['r' .. slot] = tostring(r)
    h['f' .. slot] = tostring(f)
    if hadSuccess then consecutive = trailing else consecutive = consecutive + failures end
    dirty = true
  end
  local windowRequests = 0
  local windowFailures = 0
  for s = 0, 9 do
    local e = h['e' .. s]
    if e and tonumber(e) > epoch - 10 then
      windowRequests = windowRequests + tonumber(h['r' .. s])
      windowFailures = windowFailures + tonumber(h['f' .. s])
    end
  end
  if state == 0 then
    if failures > 0 and probe == '-' then
      if consecutive >= maxFailures then
        open()
      elseif windowRequests >= minRequests and windowFailures / windowRequests > errorRate then
        open()
      end
    end
  end
  if state == 1 and now >= openUntil and claim then
    if holder == me then
      redis.call('PEXPIRE', pk, lease)
    elseif not holder then
      redis.call('SET', pk, me, 'PX', lease)
      holder = me
    end
  end
  if dirty then
    redis.call('HSET', hk, 's', state, 'c', consecutive, 'o', openedAt, 'u', openUntil)
    -- Absent means closed with nothing counted: what the breaker is anyway once its window and open time are over.
    redis.call('PEXPIRE', hk, math.max(windowMs, openMs) + 60000)
  end
  local who = 0
  if holder == me then who = 1 elseif holder then who = 2 end
  out[#out + 1] = state
  out[#out + 1] = consecutive
  out[#out + 1] = openedAt
  out[#out + 1] = openUntil
  out[#out + 1] = windowRequests
  out[#out + 1] = windowFailures
  out[#out + 1] = who
end
return out
`;

export interface RedisBreakerStoreOptions {
  /** Period of the background sync. Default 100. */
  syncMs?: number;
  /** The mirror is trusted this long after the last successful sync; then decisions go local. Default max(1000, 5 × syncMs). */
  staleMs?: number;
  /** How long a probe token lives unless renewed (it is, every sync, while the probe runs). Default 10000. */
  leaseMs?: number;
  /** The fallback (and the record of this process's own outcomes). */
  local?: MemoryBreakerStore;
  /** Wall-clock ms; tests pass their own. */
  now?: () => number;
}

/** A breaker as Redis last reported it; times are Redis's clock. */
interface SharedState {
  open: boolean;
  consecutive: number;
  openedAt: number;
  openUntil: number;
  windowRequests: number;
  windowFailures: number;
  holder: 0 | 1 | 2;
}

type ProbeOutcome = "-" | "ok" | "fail" | "cancel";

interface Entry {
  readonly key: string;
  readonly hashKey: string;
  readonly probeKey: string;
  policy: BreakerPolicy;
  shared: SharedState | null;
  /** Outcomes since the last sync. */
  requests: number;
  failures: number;
  trailing: number;
  hadSuccess: boolean;
  /** This instance's probe: none, token held but unused, or in flight. */
  token: "none" | "held" | "running";
  probe: ProbeOutcome;
  /** A request saw the breaker half-open without a token: ask for one. */
  wanted: boolean;
  /** Announced at start (track): synced every time. Others (a glob target's models) only while in use. */
  pinned: boolean;
  /** Local wall clock of its last admit or record, and of the last sync that brought its shared state. */
  usedAt: number;
  syncedAt: number;
}


export class RedisBreakerStore implements BreakerStore {
  readonly local: MemoryBreakerStore;
  private readonly script: SharedScript;
  private readonly entries = new Map<string, Entry>();
  private readonly instance = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private readonly now: () => number;
  private readonly staleMs: number;
  private readonly leaseMs: number;
  private readonly timer: NodeJS.Timeout;
  /** Local wall clock when the last sync answered; 0: never. */
  private syncedAt = 0;
  /** Redis's clock minus ours, from the last sync. */
  private offset = 0;
  /** The sync in flight, if any. */
  private running: Promise<void> | null = null;
  private again = false;
  private scheduled = false;

  constructor(private readonly redis: SharedRedis, options: RedisBreakerStoreOptions = {}) {
    this.script = redis.script(SYNC_LUA);
    this.now = options.now ?? Date.now;
    this.local = options.local ?? new MemoryBreakerStore(this.now);
    const syncMs = options.syncMs ?? 100;
    this.staleMs = options.staleMs ?? Math.max(1000, 5 * syncMs);
    this.leaseMs = options.leaseMs ?? 10_000;
    this.timer = setInterval(() => void this.sync(), syncMs);
    this.timer.unref();
  }

  /** Whether decisions come from the shared state now (false: this process's own). */
  shared(): boolean {
    return this.syncedAt !== 0 && this.now() - this.syncedAt < this.staleMs && this.redis.available();
  }

  scope(): "shared" | "local-fallback" {
    return this.shared() ? "shared" : "local-fallback";
  }

  track(key: string, policy: BreakerPolicy): void {
    this.entry(key, policy).pinned = true;
  }

  forget(key: string): void {
    this.entries.delete(key);
    this.local.forget(key);
  }

  admit(key: string, policy: BreakerPolicy): Admission {
    const entry = this.entry(key, policy);
    if (!this.shared()) return this.local.admit(key, policy);
    if (this.now() - entry.syncedAt >= this.staleMs) {
      // A model that was idle (not synced since) or new: decided locally until the next sync, which is now.
      this.soon();
      return this.local.admit(key, policy);
    }
    const s = entry.shared;
    if (s === null || !s.open) return ADMITTED;
    if (this.now() + this.offset < s.openUntil) return OPEN;
    if (entry.token === "held") {
      entry.token = "running";
      return PROBE;
    }
    if (entry.token === "running" || entry.probe !== "-") return PROBING;
    entry.wanted = true;
    // Another instance's probe: the periodic sync asks again (its lease may lapse) without a sync per request.
    if (s.holder !== 2) this.soon();
    return PROBING;
  }

  record(key: string, policy: BreakerPolicy, result: AttemptResult, probe: boolean): void {
    this.local.record(key, policy, result, probe);
    const entry = this.entry(key, policy);
    if (probe) {
      // A probe the local store admitted (Redis was away) is not the fleet's; only a token holder reports.
      if (entry.token !== "running") return;
      entry.token = "none";
      entry.probe = result === "success" ? "ok" : result === "failure" ? "fail" : "cancel";
      this.soon();
      return;
    }
    if (result === "cancelled") return;
    entry.requests++;
    if (result === "success") {
      entry.hadSuccess = true;
      entry.trailing = 0;
      return;
    }
    entry.failures++;
    entry.trailing++;
    this.soon();
  }

  snapshot(key: string, policy: BreakerPolicy): BreakerSnapshot {
    const entry = this.entries.get(key);
    if (entry === undefined || !this.shared() || this.now() - entry.syncedAt >= this.staleMs) return this.local.snapshot(key, policy);
    const s = entry.shared;
    if (s === null || !s.open) {
      return { key, state: "closed", failures: s?.consecutive ?? 0, windowRequests: s?.windowRequests ?? 0, windowFailures: s?.windowFailures ?? 0, openedAt: null, retryAt: null };
    }
    return {
      key,
      // Past its open time an open breaker is half-open: the next request (somewhere) probes it.
      state: this.now() + this.offset >= s.openUntil ? "half_open" : "open",
      failures: s.consecutive,
      windowRequests: s.windowRequests,
      windowFailures: s.windowFailures,
      // Redis keeps time on its own clock; callers (the 503's Retry-After, /health) read this one's.
      openedAt: Math.round(s.openedAt - this.offset),
      retryAt: Math.round(s.openUntil - this.offset),
    };
  }

  /** Stops the background sync (the connection is SharedRedis's to close). */
  close(): void {
    clearInterval(this.timer);
  }

  /** Runs one sync now; resolves when it answered or failed (for tests and start-up). */
  async flush(): Promise<void> {
    while (this.running !== null) await this.running;
    await this.sync();
  }

  private entry(key: string, policy: BreakerPolicy): Entry {
    let entry = this.entries.get(key);
    const now = this.now();
    if (entry === undefined) {
      const hashKey = `${this.redis.keyPrefix}cb:${key}`;
      entry = { key, hashKey, probeKey: `${hashKey}:probe`, policy, shared: null, requests: 0, failures: 0, trailing: 0, hadSuccess: false, token: "none", probe: "-", wanted: false, pinned: false, usedAt: now, syncedAt: -Infinity };
      this.entries.set(key, entry);
    } else entry.usedAt = now;
    return entry;
  }

  /**
   * Whether a sync carries this breaker: always when announced at start; a glob target's model while it has
   * outcomes to send, a probe running, or was used within staleMs. An idle model's mirror then goes stale,
   * and its next request is decided locally and brings it back into the sync. So a client naming many
   * models costs each sync only the ones in use, and the cache bound caps even those.
   */
  private due(e: Entry, now: number): boolean {
    return e.pinned || e.requests > 0 || e.probe !== "-" || e.wanted || e.token !== "none" || now - e.usedAt < this.staleMs;
  }

  /** A sync on the next macrotask: outcomes recorded in the same turn go together. */
  private soon(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.sync();
    });
  }

  private sync(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    const now = this.now();
    const entries: Entry[] = [];
    for (const e of this.entries.values()) if (this.due(e, now)) entries.push(e);
    if (entries.length === 0) {
      // No breakers to follow (every route has breaker: false): "shared" just says Redis is there.
      this.syncedAt = this.redis.available() ? this.now() : 0;
      return Promise.resolve();
    }
    if (!this.redis.available()) {
      // Outcomes are in the local store already; the shared state will not miss this outage's stragglers.
      // The mirror is from before the outage: not trusted again until a sync answers.
      this.syncedAt = 0;
      for (const e of entries) this.take(e);
      return Promise.resolve();
    }
    const keys: string[] = [];
    const args: Array<string | number> = [this.instance, this.leaseMs];
    for (const e of entries) {
      const p = e.policy;
      keys.push(e.hashKey, e.probeKey);
      const claim = e.wanted || e.token === "running" ? 1 : 0;
      args.push(p.failures, p.errorRate, p.windowMs, p.minRequests, p.openMs, e.requests, e.failures, e.trailing, e.hadSuccess ? 1 : 0, e.probe, claim);
      this.take(e);
    }
    this.running = this.exchange(entries, keys, args);
    return this.running;
  }

  private async exchange(entries: Entry[], keys: string[], args: Array<string | number>): Promise<void> {
    try {
      const reply = (await this.redis.run(this.script, keys, args)) as number[];
      this.offset = reply[0]! - this.now();
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        const at = 1 + i * REPLY_PER_BREAKER;
        const holder = reply[at + 6] as 0 | 1 | 2;
        e.shared = {
          open: reply[at] === 1,
          consecutive: reply[at + 1]!,
          openedAt: reply[at + 2]!,
          openUntil: reply[at + 3]!,
          windowRequests: reply[at + 4]!,
          windowFailures: reply[at + 5]!,
          holder,
        };
        if (holder === 1 && e.token === "none" && e.probe === "-") e.token = "held";
        else if (holder !== 1 && e.token === "held") e.token = "none";
      }
      this.syncedAt = this.now();
      for (const e of entries) e.syncedAt = this.syncedAt;
    } catch {
      // Noted by SharedRedis (once per outage); this process decides locally until a sync answers.
      this.syncedAt = 0;
    } finally {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.soon();
      }
    }
  }

  /** Clears what a sync sends (it was just sent, or is dropped during an outage). */
  private take(e: Entry): void {
    e.requests = e.failures = e.trailing = 0;
    e.hadSuccess = false;
    e.probe = "-";
    e.wanted = false;
  }
}
