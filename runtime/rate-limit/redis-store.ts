// Rate-limit buckets in Redis: one Lua script does a request's whole check-and-take (or a settle) for all
// its buckets in one round trip, atomically, so instances sharing a Redis can never both spend the last
// unit. The arithmetic is runtime/rate-limit/bucket.ts's, line for line; the clock is Redis's own (TIME),
// so instances with skewed clocks still agree. Keys expire once their bucket would be full again, when
// their absence means the same thing as their presence.
import type { BucketCharge, ChargeResult } from "./bucket.ts";
import type { SharedRedis, SharedScript } from "../redis/connection.ts";

// KEYS: one per bucket. ARGV[1]: "check" (all or nothing) or "force" (settle); then capacity, cost per bucket.
// Reply: { allowed 0|1, waitMs, remaining1, resetMs1, remaining2, resetMs2, … } (integers: Lua numbers
// are truncated on the way out, so every value is rounded here, as bucket.ts rounds it).
export const CHARGE_LUA = `
local window = 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local force = ARGV[1] == 'force'
local levels = {}
local wait = 0
for i = 1, #KEYS do
  local cap = tonumber(ARGV[i * 2])
  local cost = tonumber(ARGV[i * 2 + 1])
  local s = redis.call('HMGET', KEYS[i], 'l', 't')
  local level = cap
  if s[1] then level = math.min(cap, tonumber(s[1]) + (now - tonumber(s[2])) * cap / window) end
  levels[i] = level
  local need = math.min(cost, cap)
  if not force and level < need then
    local w = math.ceil((need - level) * window / cap)
    if w > wait then wait = w end
  end
end
local allowed = 0
if wait == 0 then allowed = 1 end
local out = { allowed, wait }
for i = 1, #KEYS do
  local cap = tonumber(ARGV[i * 2])
  local level = levels[i]
  if allowed == 1 then
    level = math.min(cap, level - tonumber(ARGV[i * 2 + 1]))
    if level >= cap then
      redis.call('DEL', KEYS[i])
    else
      redis.call('HSET', KEYS[i], 'l', string.format('%.6f', level), 't', string.format('%.3f', now))
      redis.call('PEXPIRE', KEYS[i], math.ceil((cap - level) * window / cap) + 1000)
    end
  end
  local remaining = math.floor(level)
  if remaining < 0 then remaining = 0 end
  local reset = 0
  if level < cap then reset = math.ceil((cap - level) * window / cap) end
  out[#out + 1] = remaining
  out[#out + 1] = reset
end
return out
`;

export class RedisBucketStore {
  private readonly script: SharedScript;

  constructor(private readonly redis: SharedRedis) {
    this.script = redis.script(CHARGE_LUA);
  }

  available(): boolean {
    return this.redis.available();
  }

  /** Rejects when Redis failed this time; the caller charges its local store instead. */
  async charge(charges: readonly BucketCharge[], force: boolean): Promise<ChargeResult> {
    const keys: string[] = [];
    const args: Array<string | number> = [force ? "force" : "check"];
    for (const c of charges) {
      keys.push(this.redis.keyPrefix + c.key);
      args.push(c.capacity, c.cost);
    }
    const reply = (await this.redis.run(this.script, keys, args)) as number[];
    const reports = charges.map((_, i) => ({ remaining: reply[2 + i * 2]!, resetMs: reply[3 + i * 2]! }));
    return { allowed: reply[0] === 1, waitMs: reply[1]!, reports };
  }
}
