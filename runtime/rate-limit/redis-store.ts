// Rate-limit buckets in Redis. One Lua script (EXCHANGE_LUA) does every exchange an instance has with its
// shared buckets: a request's all-or-nothing check, a lease top-up, a settled debt, units handed back. The
// operations queued during one event-loop turn go in one EVALSHA, applied in order and atomically, so
// instances sharing a Redis can never both spend the last unit, and a burst of requests costs one round trip,
// not one each. The arithmetic is runtime/rate-limit/bucket.ts's, line for line; the clock is Redis's own
// (TIME), so instances with skewed clocks still agree. Keys expire once their bucket would be full again,
// when their absence means the same thing as their presence. Leases (runtime/rate-limit/leases.ts) are units
// an operation takes on top of what it needs, for the instance to spend without asking.
import type { BucketReport } from "./bucket.ts";
import type { SharedRedis, SharedScript } from "../redis/connection.ts";

/** Values per bucket in ARGV: capacity, pay, need, take, room. */
const ARGS_PER_BUCKET = 5;
/** Values per bucket in the reply: granted, remaining, resetMs. */
const REPLY_PER_BUCKET = 3;
/** Operations per EVALSHA: bounds how long one script holds Redis; the rest go in the next call. */
const MAX_OPS_PER_CALL = 256;

// KEYS: the buckets of every operation, in order. ARGV[1]: the lease share (0 to 1); then per operation its
// kind ('c' check: all or nothing; 'l' lease: never refused) and bucket count, then per bucket: capacity;
// pay, applied unconditionally first (a settled debt, or units handed back when negative; a refund is capped
// at capacity); need, what a check requires the bucket to hold after that; take, what a passing check takes;
// room, the most units to lease on top (0: none), of which the script grants at most share × what is left.
// Reply per operation: allowed 0|1, waitMs, then per bucket: granted, remaining, resetMs (integers: Lua
// numbers are truncated on the way out, so every value is rounded here, as bucket.ts rounds it).
export const EXCHANGE_LUA = `
local window = 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local share = tonumber(ARGV[1])
local out = {}
local a = 2
local k = 1
while a <= #ARGV do
  local check = ARGV[a] == 'c'
  local n = tonumber(ARGV[a + 1])
  a = a + 2
  local levels = {}
  local wait = 0
  for i = 0, n - 1 do
    local cap = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET}])
    local pay = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET} + 1])
    local need = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET} + 2])
    local s = redis.call('HMGET', KEYS[k + i], 'l', 't')
    local level = cap
    if s[1] then level = math.min(cap, tonumber(s[1]) + (now - tonumber(s[2])) * cap / window) end
    level = math.min(cap, level - pay)
    levels[i] = level
    if check and level < need then
      local w = math.ceil((need - level) * window / cap)
      if w > wait then wait = w end
    end
  end
  local allowed = 0
  if wait == 0 then allowed = 1 end
  out[#out + 1] = allowed
  out[#out + 1] = wait
  for i = 0, n - 1 do
    local key = KEYS[k + i]
    local cap = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET}])
    local pay = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET} + 1])
    local take = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET} + 3])
    local room = tonumber(ARGV[a + i * ${ARGS_PER_BUCKET} + 4])
    local level = levels[i]
    local granted = 0
    local changed = pay ~= 0
    if allowed == 1 then
      level = math.min(cap, level - take)
      -- The lease adapts to what is left: a share of it, so a bucket near empty is spent one request at a time.
      if room > 0 and level > 0 then granted = math.min(room, math.floor(level * share)) end
      level = level - granted
      changed = changed or take ~= 0 or granted > 0
    end
    if changed then
      if level >= cap then
        redis.call('DEL', key)
      else
        redis.call('HSET', key, 'l', string.format('%.6f', level), 't', string.format('%.3f', now))
        redis.call('PEXPIRE', key, math.ceil((cap - level) * window / cap) + 1000)
      end
    end
    local remaining = math.floor(level)
    if remaining < 0 then remaining = 0 end
    local reset = 0
    if level < cap then reset = math.ceil((cap - level) * window / cap) end
    out[#out + 1] = granted
    out[#out + 1] = remaining
    out[#out + 1] = reset
  end
  k = k + n
  a = a + n * ${ARGS_PER_BUCKET}
end
return out
`;

/** One bucket of an operation; see EXCHANGE_LUA for what each number means. */
export interface BucketOp {
  readonly key: string;
  readonly capacity: number;
  readonly pay: number;
  readonly need: number;
  readonly take: number;
  readonly room: number;
}

export interface OpResult {
  allowed: boolean;
  /** When refused: milliseconds until every short bucket holds what it needs. */
  waitMs: number;
  /** Per bucket, in order: units leased to this instance. */
  granted: number[];
  /** Per bucket, in order: Redis's level after the operation (without what this instance holds). */
  reports: BucketReport[];
}

interface Pending {
  readonly check: boolean;
  readonly buckets: readonly BucketOp[];
  resolve(result: OpResult): void;
  reject(error: unknown): void;
}

export class RedisBucketStore {
  private readonly script: SharedScript;
  private queue: Pending[] = [];
  private scheduled = false;
  /** EVALSHA calls sent (for tests and the bench). */
  calls = 0;

  constructor(
    private readonly redis: SharedRedis,
    /** The lease share passed to the script (0: no leases). */
    private readonly share: number,
  ) {
    this.script = redis.script(EXCHANGE_LUA);
  }

  available(): boolean {
    return this.redis.available();
  }

  /**
   * Queues an operation for this turn's exchange. `check`: all buckets pass or none is taken from (pay is
   * applied either way); otherwise a lease operation, never refused. Rejects when Redis failed this time.
   */
  send(check: boolean, buckets: readonly BucketOp[]): Promise<OpResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ check, buckets, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Once per turn: every request of this I/O batch and every top-up go in one round trip.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what is queued now (shutdown), without waiting for the turn to end. */
  flush(): Promise<void> {
    this.scheduled = false;
    const sent: Promise<void>[] = [];
    while (this.queue.length > 0) sent.push(this.exchange(this.queue.splice(0, MAX_OPS_PER_CALL)));
    return Promise.all(sent).then(() => undefined);
  }

  private async exchange(batch: Pending[]): Promise<void> {
    const keys: string[] = [];
    const args: Array<string | number> = [this.share];
    for (const op of batch) {
      args.push(op.check ? "c" : "l", op.buckets.length);
      for (const b of op.buckets) {
        keys.push(this.redis.keyPrefix + b.key);
        args.push(b.capacity, b.pay, b.need, b.take, b.room);
      }
    }
    let reply: number[];
    try {
      this.calls++;
      reply = (await this.redis.run(this.script, keys, args)) as number[];
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    }
    let at = 0;
    for (const op of batch) {
      const allowed = reply[at] === 1;
      const waitMs = reply[at + 1]!;
      at += 2;
      const granted: number[] = [];
      const reports: BucketReport[] = [];
      for (let i = 0; i < op.buckets.length; i++, at += REPLY_PER_BUCKET) {
        granted.push(reply[at]!);
        reports.push({ remaining: reply[at + 1]!, resetMs: reply[at + 2]! });
      }
      op.resolve({ allowed, waitMs, granted, reports });
    }
  }
}
