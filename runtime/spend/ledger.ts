// The spend ledger: what each key spent on each model each UTC day, in the store for `keys show` and the
// dashboard. A request only adds its numbers to a row in memory; rows are written in one batch a second
// (and at shutdown), so the request path never waits on the store and a busy gateway writes a handful of
// rows per second instead of one per request. Rows a failed write could not store are kept and retried with
// the next batch, up to MAX_PENDING_ROWS distinct rows (a store that stays down does not eat memory).
import type { SpendRow, Store } from "../store/types.ts";
import { utcDay } from "./periods.ts";
import { appLog } from "../log/app-log.ts";

const FLUSH_EVERY_MS = 1000;
const MAX_PENDING_ROWS = 100_000;

/** One request's share of a ledger row. */
export interface SpendEntry {
  readonly time: number;
  readonly keyId: string | null;
  readonly model: string;
  readonly provider: string;
  readonly upstreamModel: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costNanos: number;
}

type MutableRow = { -readonly [K in keyof SpendRow]: SpendRow[K] };

export class SpendLedger {
  private rows = new Map<string, MutableRow>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private reported = false;

  constructor(private readonly store: Store) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  add(entry: SpendEntry): void {
    const day = utcDay(entry.time);
    const keyId = entry.keyId ?? "";
    const id = `${day}\u0000${keyId}\u0000${entry.model}\u0000${entry.provider}\u0000${entry.upstreamModel}`;
    let row = this.rows.get(id);
    if (row === undefined) {
      if (this.rows.size >= MAX_PENDING_ROWS) return this.report("has too many unwritten rows; dropping spend", null);
      row = { day, keyId, model: entry.model, provider: entry.provider, upstreamModel: entry.upstreamModel, requests: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costNanos: 0 };
      this.rows.set(id, row);
    }
    row.requests += 1;
    row.inputTokens += entry.inputTokens;
    row.outputTokens += entry.outputTokens;
    row.cacheReadTokens += entry.cacheReadTokens;
    row.cacheWriteTokens += entry.cacheWriteTokens;
    row.costNanos += entry.costNanos;
  }

  /** Writes what is pending; one write at a time. */
  flush(): Promise<void> {
    if (this.writing !== null) return this.writing;
    if (this.rows.size === 0) return Promise.resolve();
    const batch = this.rows;
    this.rows = new Map();
    this.writing = this.store
      .addSpend([...batch.values()])
      .catch((error: unknown) => {
        this.report("cannot be written; retrying with the next batch", error);
        // Put the batch back, merged with what arrived meanwhile.
        for (const [id, row] of batch) {
          const newer = this.rows.get(id);
          if (newer === undefined) this.rows.set(id, row);
          else for (const field of ["requests", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "costNanos"] as const) newer[field] += row[field];
        }
      })
      .finally(() => {
        this.writing = null;
      });
    return this.writing;
  }

  /** Stops the timer and writes everything pending (one retry). */
  async close(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.writing;
    await this.flush();
  }

  private report(what: string, error: unknown): void {
    if (this.reported) return;
    this.reported = true;
    const detail = error instanceof Error ? `: ${error.message}` : "";
    appLog.warn({ store: this.store.where }, `the spend ledger in ${this.store.where} ${what}${detail}; further ledger errors are not reported`);
  }
}
