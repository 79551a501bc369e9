// Per-minute aggregates of finished requests for the dashboard's overview: counts, errors, a latency
// histogram, tokens and cost, each also by model and by key. A ring of one slot per minute over the last
// `hours`: a slot is reused (cleared) when its minute comes round again, so memory is fixed by the
// config and adding a request is a handful of additions and two Map lookups.
import type { RequestLogRecord } from "../log/request-log.ts";
import { LATENCY_BUCKETS, latencyBucket, latencyQuantile } from "./latency-histogram.ts";
import type { GroupTally, OverviewSeries, OverviewTotals, OverviewWindow } from "../endpoints/dashboard-api.ts";

const MINUTE_MS = 60_000;

/**
 * Models and key ids are not a closed set (a glob route forwards any model, an unknown key has its own id):
 * past this many per minute, the rest are counted under OTHER so a flood of made-up names stays bounded.
 */
const MAX_GROUPS_PER_MINUTE = 200;
export const OTHER = "(other)";
/** How requests without a Switchyard key or model are grouped. */
export const NO_KEY = "";
export const NO_MODEL = "(none)";

interface Tally {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

interface Minute {
  /** Minutes since the epoch this slot holds; -1 while unused. */
  minute: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latency: Uint32Array;
  models: Map<string, Tally>;
  keys: Map<string, Tally>;
}

function newTally(): Tally {
  return { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

function count(groups: Map<string, Tally>, name: string, error: number, input: number, output: number, cost: number): void {
  let tally = groups.get(name);
  if (tally === undefined) {
    const key = groups.size < MAX_GROUPS_PER_MINUTE ? name : OTHER;
    tally = groups.get(key);
    if (tally === undefined) groups.set(key, (tally = newTally()));
  }
  tally.requests += 1;
  tally.errors += error;
  tally.inputTokens += input;
  tally.outputTokens += output;
  tally.costUsd += cost;
}

function addTally(into: Map<string, Tally>, from: Map<string, Tally>): void {
  for (const [name, tally] of from) {
    let sum = into.get(name);
    if (sum === undefined) into.set(name, (sum = newTally()));
    sum.requests += tally.requests;
    sum.errors += tally.errors;
    sum.inputTokens += tally.inputTokens;
    sum.outputTokens += tally.outputTokens;
    sum.costUsd += tally.costUsd;
  }
}

/** Most requests first, then by name: the order the page lists them in. */
function sortedGroups(groups: Map<string, Tally>): Array<[string, GroupTally]> {
  return [...groups]
    .map(([name, t]): [string, GroupTally] => [name, { requests: t.requests, errors: t.errors, input_tokens: t.inputTokens, output_tokens: t.outputTokens, cost_usd: t.costUsd }])
    .sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export class MinuteStats {
  private readonly slots: Minute[];

  constructor(readonly hours: number) {
    this.slots = Array.from({ length: Math.max(1, Math.round(hours * 60)) }, () => ({
      minute: -1,
      requests: 0,
      clientErrors: 0,
      serverErrors: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      latency: new Uint32Array(LATENCY_BUCKETS),
      models: new Map(),
      keys: new Map(),
    }));
  }

  /** The slot of the minute `now` is in, cleared first if it still holds an older minute. */
  private slot(now: number): Minute {
    const minute = Math.floor(now / MINUTE_MS);
    const slot = this.slots[minute % this.slots.length]!;
    if (slot.minute !== minute) {
      slot.minute = minute;
      slot.requests = slot.clientErrors = slot.serverErrors = slot.inputTokens = slot.outputTokens = slot.costUsd = 0;
      slot.latency.fill(0);
      slot.models.clear();
      slot.keys.clear();
    }
    return slot;
  }

  /** Counts one finished request in the minute `now` (when it ended) falls in. */
  add(now: number, record: RequestLogRecord): void {
    const slot = this.slot(now);
    const status = record.status;
    const error = status >= 400 ? 1 : 0;
    const usage = record.usage;
    const input = usage === null ? 0 : usage.prompt_tokens;
    const output = usage === null ? 0 : usage.completion_tokens;
    const cost = record.cost_usd ?? 0;
    slot.requests += 1;
    if (status >= 500) slot.serverErrors += 1;
    else if (error) slot.clientErrors += 1;
    slot.inputTokens += input;
    slot.outputTokens += output;
    slot.costUsd += cost;
    slot.latency[latencyBucket(record.latency_ms)]! += 1;
    count(slot.models, record.model ?? NO_MODEL, error, input, output, cost);
    count(slot.keys, record.key_id ?? NO_KEY, error, input, output, cost);
  }

  /** The last `minutes` minutes up to and including the one `now` is in (at most the history kept). */
  window(now: number, minutes: number): OverviewWindow {
    const last = Math.floor(now / MINUTE_MS);
    const span = Math.max(1, Math.min(Math.floor(minutes), this.slots.length));
    const first = last - span + 1;
    const series: OverviewSeries = { t: [], requests: [], client_errors: [], server_errors: [], p50_ms: [], p95_ms: [], input_tokens: [], output_tokens: [], cost_usd: [] };
    const latency = new Uint32Array(LATENCY_BUCKETS);
    const models = new Map<string, Tally>();
    const keys = new Map<string, Tally>();
    const totals: OverviewTotals = { requests: 0, client_errors: 0, server_errors: 0, error_rate: 0, p50_ms: null, p95_ms: null, input_tokens: 0, output_tokens: 0, cost_usd: 0 };
    for (let minute = first; minute <= last; minute++) {
      const slot = this.slots[minute % this.slots.length]!;
      const live = slot.minute === minute;
      series.t.push((minute * MINUTE_MS) / 1000);
      series.requests.push(live ? slot.requests : 0);
      series.client_errors.push(live ? slot.clientErrors : 0);
      series.server_errors.push(live ? slot.serverErrors : 0);
      series.p50_ms.push(live ? latencyQuantile(slot.latency, 0.5) : null);
      series.p95_ms.push(live ? latencyQuantile(slot.latency, 0.95) : null);
      series.input_tokens.push(live ? slot.inputTokens : 0);
      series.output_tokens.push(live ? slot.outputTokens : 0);
      series.cost_usd.push(live ? slot.costUsd : 0);
      if (!live) continue;
      totals.requests += slot.requests;
      totals.client_errors += slot.clientErrors;
      totals.server_errors += slot.serverErrors;
      totals.input_tokens += slot.inputTokens;
      totals.output_tokens += slot.outputTokens;
      totals.cost_usd += slot.costUsd;
      for (let i = 0; i < LATENCY_BUCKETS; i++) latency[i]! += slot.latency[i]!;
      addTally(models, slot.models);
      addTally(keys, slot.keys);
    }
    totals.error_rate = totals.requests === 0 ? 0 : (totals.client_errors + totals.server_errors) / totals.requests;
    totals.p50_ms = latencyQuantile(latency, 0.5);
    totals.p95_ms = latencyQuantile(latency, 0.95);
    return {
      from: new Date(first * MINUTE_MS).toISOString(),
      to: new Date((last + 1) * MINUTE_MS).toISOString(),
      minutes: span,
      series,
      totals,
      by_model: sortedGroups(models).map(([model, tally]) => ({ model, ...tally })),
      by_key: sortedGroups(keys).map(([key, tally]) => ({ key_id: key === NO_KEY ? null : key, key_name: null, ...tally })),
    };
  }
}
