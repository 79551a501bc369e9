// Where finished request-log records go. The writer (../request-log.ts) finishes each record into one redacted
// JSON line and hands batches to exactly one sink through a bounded queue (../sink-queue.ts); a sink only
// stores what it is given and says whether a failure was its own (retry later) or the records' (retrying
// them can never succeed).

/** One finished record: its JSON line and the columns a database sink indexes, read off the record when it was queued. */
export interface LogEntry {
  readonly id: string;
  /** Request arrival, ms since the epoch. */
  readonly time: number;
  readonly keyId: string | null;
  readonly route: string | null;
  readonly model: string | null;
  readonly status: number;
  readonly latencyMs: number;
  /** Anthropic terms (cache excluded), as the spend ledger counts them; 0 without usage. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costUsd: number | null;
  /** The record as one JSON line (no line break), secrets and configured patterns already redacted. */
  readonly line: string;
}

export type SinkKind = "jsonl" | "sqlite" | "postgres";

export interface LogSink {
  readonly kind: SinkKind;
  /** Where, for messages and /health: a path, or a url without its password. */
  readonly where: string;
  /** Connects and applies migrations; called before the first write and again after a failed open. */
  open(): Promise<void>;
  /** Stores a batch (one INSERT, one transaction or one file write); resolves once it is stored. */
  write(entries: readonly LogEntry[]): Promise<void>;
  /** Whether `error` from write() is about the records themselves (bad data), so retrying them cannot help. */
  isRecordError(error: unknown): boolean;
  /** Deletes records from before `before` (ms since the epoch); resolves with how many (files for JSONL). */
  deleteBefore(before: number): Promise<number>;
  close(): Promise<void>;
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
