// `switchyard usage`: requests grouped by key, model or UTC day, with their tokens, cost, error rate and
// latency percentiles. One implementation for every sink (the readers only fetch the rows), so the same
// records give the same numbers from JSONL, SQLite and PostgreSQL.
import type { UsageRow } from "./types.ts";

export type UsageBy = "key" | "model" | "day";

export interface UsageGroup {
  /** The key id, model or day; null for requests without one (no key, no model). */
  readonly group: string | null;
  /** by key: the key's name as last logged. */
  readonly key_name?: string | null;
  readonly requests: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_tokens: number;
  readonly cache_write_tokens: number;
  readonly cost_usd: number;
  /** Requests answered with a status of 400 or more (rate limits, bad keys and upstream failures included). */
  readonly errors: number;
  readonly error_rate: number;
  /** Gateway latency percentiles, ms, interpolated between the nearest ranks (as PostgreSQL's percentile_cont). */
  readonly p50_ms: number;
  readonly p95_ms: number;
}

export interface UsageReport {
  readonly by: UsageBy;
  /** ISO time the report starts at. */
  readonly since: string;
  /** By day: oldest first; otherwise by cost, then requests, highest first. */
  readonly groups: UsageGroup[];
  readonly total: UsageGroup;
}

/** The p-th percentile (0..1) of ascending `sorted`, linearly interpolated; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

function summarize(group: string | null, rows: readonly UsageRow[], keyName?: string | null): UsageGroup {
  let input = 0;
  let output = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  let cost = 0;
  let errors = 0;
  const latencies: number[] = [];
  for (const row of rows) {
    input += row.inputTokens;
    output += row.outputTokens;
    cacheRead += row.cacheReadTokens;
    cacheWrite += row.cacheWriteTokens;
    cost += row.costUsd;
    if (row.status >= 400) errors++;
    latencies.push(row.latencyMs);
  }
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    group,
    ...(keyName === undefined ? {} : { key_name: keyName }),
    requests: rows.length,
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    cost_usd: Math.round(cost * 1e9) / 1e9,
    errors,
    error_rate: rows.length === 0 ? 0 : errors / rows.length,
    p50_ms: round(percentile(latencies, 0.5)),
    p95_ms: round(percentile(latencies, 0.95)),
  };
}

export function usageReport(rows: readonly UsageRow[], by: UsageBy, since: number): UsageReport {
  const groups = new Map<string | null, UsageRow[]>();
  for (const row of rows) {
    const group = by === "key" ? row.keyId : by === "model" ? row.model : new Date(row.time).toISOString().slice(0, 10);
    let list = groups.get(group);
    if (list === undefined) groups.set(group, (list = []));
    list.push(row);
  }
  const summaries = [...groups].map(([group, list]) => {
    // The name the key had on its latest request (a key can be renamed).
    const keyName = by === "key" ? list.reduce<UsageRow | null>((latest, r) => (latest === null || r.time >= latest.time ? r : latest), null)?.keyName ?? null : undefined;
    return summarize(group, list, keyName);
  });
  const name = (g: UsageGroup) => g.group ?? "";
  summaries.sort(by === "day" ? (a, b) => (name(a) < name(b) ? -1 : 1) : (a, b) => b.cost_usd - a.cost_usd || b.requests - a.requests || (name(a) < name(b) ? -1 : 1));
  return { by, since: new Date(since).toISOString(), groups: summaries, total: summarize(null, rows) };
}

const DURATION = /^(\d+)(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `7d`, `24h`, `30m`, `2w` before `now`, or a date (`2026-12-01`, UTC midnight) or an ISO time; null if neither. */
export function parseSince(text: string, now = Date.now()): number | null {
  const duration = DURATION.exec(text.trim());
  if (duration !== null) return now - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = Date.parse(`${text}T00:00:00Z`);
    return Number.isNaN(day) ? null : day;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const time = Date.parse(text);
    return Number.isNaN(time) ? null : time;
  }
  return null;
}
