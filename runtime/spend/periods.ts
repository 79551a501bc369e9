// Budget periods are calendar periods in UTC: a daily budget resets at 00:00 UTC, a weekly one on Monday
// 00:00 UTC (ISO weeks), a monthly one on the 1st; `total` never resets. A period is named by a string that
// is also its key in the store, so every instance agrees on it without talking to the others.
import type { BudgetPeriod } from "../store/types.ts";

export interface PeriodWindow {
  /** "day:2026-12-03", "week:2026-11-30" (its Monday), "month:2026-12" or "total". */
  readonly key: string;
  /** Milliseconds since the epoch when the next period starts; null for `total`. */
  readonly resetsAt: number | null;
}

const DAY_MS = 86_400_000;

/** The last day utcDay formatted, so a request costs a comparison rather than a Date (the ledger asks per request). */
let cachedDay = { start: 0, end: 0, text: "" };

/** "YYYY-MM-DD" of `ms`, in UTC: the spend ledger's day. */
export function utcDay(ms: number): string {
  if (ms >= cachedDay.start && ms < cachedDay.end) return cachedDay.text;
  const start = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
  const text = new Date(ms).toISOString().slice(0, 10);
  cachedDay = { start, end: start + DAY_MS, text };
  return text;
}

export function periodWindow(period: BudgetPeriod, now: number): PeriodWindow {
  const date = new Date(now);
  const dayStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  switch (period) {
    case "day":
      return { key: `day:${utcDay(dayStart)}`, resetsAt: dayStart + DAY_MS };
    case "week": {
      // getUTCDay: 0 is Sunday; ISO weeks start on Monday.
      const monday = dayStart - ((date.getUTCDay() + 6) % 7) * DAY_MS;
      return { key: `week:${utcDay(monday)}`, resetsAt: monday + 7 * DAY_MS };
    }
    case "month":
      return { key: `month:${utcDay(dayStart).slice(0, 7)}`, resetsAt: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) };
    case "total":
      return { key: "total", resetsAt: null };
  }
}

/** "daily", "weekly", …: how a budget is spoken of in messages. */
export function periodAdjective(period: BudgetPeriod): string {
  return period === "day" ? "daily" : period === "week" ? "weekly" : period === "month" ? "monthly" : "total";
}
