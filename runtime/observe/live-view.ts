// The dashboard's view of recent traffic, fed by the one record every request ends with (hooks.ts): the
// last N requests (recent-requests.ts) and per-minute aggregates over the last hours (minute-stats.ts).
// It lives only in this process's memory: a restart starts it empty, and each instance of a fleet shows its
// own traffic. Spend over days comes from the store's ledger instead, which every instance shares.
import type { RecordObserver } from "./hooks.ts";
import type { RequestLogRecord } from "../log/request-log.ts";
import { MinuteStats } from "./minute-stats.ts";
import { RecentRequests } from "./recent-requests.ts";
import type { LogRedaction } from "../log/redact.ts";

export interface LiveViewSettings {
  /** How many finished requests to keep for the latest-requests page. */
  readonly recentRequests: number;
  /** How many hours of per-minute aggregates to keep. */
  readonly historyHours: number;
  /** Whether bodies are kept: only when the request log keeps them (logs.bodies). */
  readonly bodies: boolean;
  /** The request log's `logs.redact` rules, applied to bodies when one request is shown. */
  readonly redact?: LogRedaction;
}

export class LiveView implements RecordObserver {
  readonly recent: RecentRequests;
  readonly minutes: MinuteStats;

  constructor(readonly settings: LiveViewSettings, private readonly now: () => number = Date.now) {
    this.recent = new RecentRequests(settings.recentRequests, settings.bodies, settings.redact);
    this.minutes = new MinuteStats(settings.historyHours);
  }

  observe(record: RequestLogRecord): void {
    this.minutes.add(this.now(), record);
    this.recent.add(record);
  }
}
