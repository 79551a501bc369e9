// Reading the request log back, whichever sink wrote it: `switchyard logs` and `switchyard usage`
// (generator/cli-logs.ts), and anything else that wants records from the sink rather than from memory.
// Records come back as the JSON the sink holds, already redacted.

/** A stored record: the request log's JSON (runtime/log/request-log.ts RequestLogRecord). */
export type StoredRecord = Record<string, any>;

export interface LogFilter {
  /** A key id (key_…) or a key's name. */
  readonly key?: string;
  readonly model?: string;
  readonly route?: string;
  /** Inclusive status range: 404 → [404, 404], 5xx → [500, 599]. */
  readonly status?: readonly [number, number];
}

/** Where a reader stopped: `after()` returns what was stored since. Opaque to callers. */
export type LogCursor = unknown;

/** The columns `switchyard usage` sums, one per request. */
export interface UsageRow {
  readonly time: number;
  readonly keyId: string | null;
  readonly keyName: string | null;
  readonly model: string | null;
  readonly status: number;
  readonly latencyMs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costUsd: number;
}

export interface LogReader {
  /** The sink, as messages name it (no password). */
  readonly where: string;
  /** The last `n` records that match, oldest first, and a cursor after everything stored so far. */
  tail(filter: LogFilter, n: number): Promise<{ records: StoredRecord[]; cursor: LogCursor }>;
  /** Records stored after `cursor` that match, in the order they were stored, and the new cursor. */
  after(cursor: LogCursor, filter: LogFilter): Promise<{ records: StoredRecord[]; cursor: LogCursor }>;
  /** One record by its request id, or null. */
  get(id: string): Promise<StoredRecord | null>;
  /** Every request that arrived at or after `since` (ms since the epoch). */
  usage(since: number): Promise<UsageRow[]>;
  close(): Promise<void>;
}

/** Whether a record passes `filter` (the JSONL reader's test; the database readers say the same in SQL). */
export function matches(record: StoredRecord, filter: LogFilter): boolean {
  if (filter.key !== undefined && record.key_id !== filter.key && record.key_name !== filter.key) return false;
  if (filter.model !== undefined && record.model !== filter.model) return false;
  if (filter.route !== undefined && record.route !== filter.route) return false;
  if (filter.status !== undefined && !(record.status >= filter.status[0] && record.status <= filter.status[1])) return false;
  return true;
}

/** A usage row from a record (JSONL); the database readers select the same from their columns. */
export function usageRowOf(record: StoredRecord): UsageRow {
  const usage = record.usage ?? {};
  return {
    time: Date.parse(record.time),
    keyId: record.key_id ?? null,
    keyName: record.key_name ?? null,
    model: record.model ?? null,
    status: record.status,
    latencyMs: record.latency_ms,
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    costUsd: record.cost_usd ?? 0,
  };
}
