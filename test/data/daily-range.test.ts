import { describe, expect, it } from "vitest";
import { dayRangeMs, isDateStamped, sliceToDays } from "../../src/data/day-range.ts";
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
