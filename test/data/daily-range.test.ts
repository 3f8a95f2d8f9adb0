import { describe, expect, it } from "vitest";
import { alpacaDailyStamps, dayRangeMs, isDateStamped, sliceToDays } from "../../src/data/day-range.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import type { BarSeries } from "../../src/core/bars.ts";

function series(times: number[]): BarSeries {
  const f = (x: number[]) => Float64Array.from(x);
  return { symbol: "X", length: times.length, tMs: f(times), open: f(times.map(() => 1)), high: f(times.map(() => 1)), low: f(times.map(() => 1)), close: f(times.map(() => 1)), volume: f(times.map(() => 1)) };
}
const days = ["2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16"];

describe("--from/--to on daily bars", () => {
  it("keeps exactly the asked New York days, whichever midnight the bars are stamped at", () => {
    const range = dayRangeMs("2024-05-14", "2024-05-15")!;
    for (const stamp of [(d: string) => Date.parse(`${d}T00:00:00Z`), (d: string) => etToUtcMs(isoToEtDay(d), 0)]) {
      const s = series(days.map(stamp));
      expect(isDateStamped(s)).toBe(true);
      const cut = sliceToDays(s, range);
      expect(Array.from(cut.tMs)).toEqual([stamp("2024-05-14"), stamp("2024-05-15")]);
    }
  });

  it("minute bars are cut at New York midnight as before", () => {
    const s = series([etToUtcMs(isoToEtDay("2024-05-13"), 959), etToUtcMs(isoToEtDay("2024-05-14"), 570), etToUtcMs(isoToEtDay("2024-05-16"), 570)]);
    expect(isDateStamped(s)).toBe(false);
    expect(sliceToDays(s, dayRangeMs("2024-05-14", "2024-05-15")!).length).toBe(1);
  });
});

describe("daily bar stamps", () => {
  it("00:00Z stamps become Alpaca's 00:00 New York of the same date; other series are kept", () => {
    const utc = series(days.map((d) => Date.parse(`${d}T00:00:00Z`)));
    expect(Array.from(alpacaDailyStamps(utc).tMs)).toEqual(days.map((d) => etToUtcMs(isoToEtDay(d), 0)));
    const ny = series(days.map((d) => etToUtcMs(isoToEtDay(d), 0)));
    expect(alpacaDailyStamps(ny)).toBe(ny);
    const minutes = series([etToUtcMs(isoToEtDay("2024-05-13"), 570)]);
    expect(alpacaDailyStamps(minutes)).toBe(minutes);
  });
});

describe("trading days of merged bars", () => {
  it("a daily bar makes its session a trading day (walk-forward folds on daily data)", async () => {
    const { MergedBars } = await import("../../src/data/merged-bars.ts");
    const ny = series(["2024-05-10", "2024-05-13", "2024-05-14"].map((d) => etToUtcMs(isoToEtDay(d), 0)));
    expect(MergedBars.fromSeries([ny]).tradingDays()).toEqual(["2024-05-10", "2024-05-13", "2024-05-14"].map(isoToEtDay));
  });
});
