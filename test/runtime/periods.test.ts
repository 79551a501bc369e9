// Budget periods are UTC calendar periods: every instance names the same period for the same moment.
import { describe, expect, it } from "vitest";
import { periodWindow, utcDay } from "../../runtime/spend/periods.ts";

const at = (iso: string) => Date.parse(iso);

describe("periodWindow", () => {
  it.each([
    ["day", "2026-12-03T23:59:59.999Z", "day:2026-12-03", "2026-12-04T00:00:00.000Z"],
    ["day", "2026-12-04T00:00:00.000Z", "day:2026-12-04", "2026-12-05T00:00:00.000Z"],
    // 2026-12-03 is a Thursday; ISO weeks start on Monday.
    ["week", "2026-12-03T10:00:00Z", "week:2026-11-30", "2026-12-07T00:00:00.000Z"],
    ["week", "2026-12-06T23:00:00Z", "week:2026-11-30", "2026-12-07T00:00:00.000Z"],
    ["week", "2026-12-07T00:00:00Z", "week:2026-12-07", "2026-12-14T00:00:00.000Z"],
    ["month", "2026-12-31T23:00:00Z", "month:2026-12", "2027-01-01T00:00:00.000Z"],
    ["month", "2028-02-29T12:00:00Z", "month:2028-02", "2028-03-01T00:00:00.000Z"],
  ] as const)("%s at %s is %s, resetting at %s", (period, now, key, resetsAt) => {
    const window = periodWindow(period, at(now));
    expect(window.key).toBe(key);
    expect(new Date(window.resetsAt!).toISOString()).toBe(resetsAt);
  });

  it("a total budget never resets", () => {
    expect(periodWindow("total", at("2026-12-03T10:00:00Z"))).toEqual({ key: "total", resetsAt: null });
  });

  it("names ledger days in UTC", () => {
    expect(utcDay(at("2026-12-03T23:30:00-05:00"))).toBe("2026-12-04");
  });
});
