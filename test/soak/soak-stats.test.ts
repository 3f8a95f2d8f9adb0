import { describe, expect, it } from "vitest";
import { MB, memoryTrend, slope, stateBreakdown, stateGrowth, type SoakSample } from "../../scripts/soak-stats.ts";

const sample = (day: number, rssMb: number, trades = 0, stateBytes = 1000): SoakSample => ({ day, rssBytes: rssMb * MB, heapUsedBytes: (rssMb / 2) * MB, stateBytes, trades });

describe("the soak's arithmetic", () => {
  it("least-squares slope: exact on a line, the trend through noise, NaN without two distinct x", () => {
    expect(slope([0, 1, 2, 3], [5, 7, 9, 11])).toBeCloseTo(2, 12);
    expect(slope([0, 1, 2, 3, 4, 5], [10, 12, 9, 11, 10, 12])).toBeCloseTo(6 / 35, 12);
    expect(slope([1], [1])).toBeNaN();
    expect(slope([2, 2, 2], [1, 2, 3])).toBeNaN();
  });

  it("memory trend ignores the warm-up: a run that fills its caches then stays flat has slope 0", () => {
    const samples = [sample(0, 100), sample(1, 150), sample(2, 180), sample(3, 180), sample(4, 180), sample(5, 180)];
    const t = memoryTrend(samples, 3);
    expect(t.rssMbPerDay).toBe(0);
    expect(t.samples).toBe(3);
    expect([t.rssStartMb, t.rssEndMb, t.rssPeakMb]).toEqual([180, 180, 180]);
    expect(memoryTrend(samples, 0).rssMbPerDay).toBeGreaterThan(10);
    expect(memoryTrend([sample(0, 100), sample(5, 110), sample(10, 120)], 0).heapMbPerDay).toBeCloseTo(1, 12);
  });

  it("state growth per closed trade, and a state file read for what may not grow with trades", () => {
    expect(stateGrowth([sample(1, 1, 0, 1000), sample(2, 1, 10, 2000), sample(3, 1, 20, 3000)])).toEqual({ bytesPerTrade: 100, maxBytes: 3000, minBytes: 1000 });
    const order = (status: string) => ({ status });
    const ok = stateBreakdown(JSON.stringify({ orders: { a: order("filled"), b: order("new") }, kelly: { window: 3, series: [{ rMultiple: [1, 2, 3] }] } }), 16);
    expect(ok).toMatchObject({ finishedOrders: 1, workingOrders: 1, kellySeries: 1, longestKellySeries: 3, kellyWindow: 3, unbounded: [] });
    const bad = stateBreakdown(JSON.stringify({ orders: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`o${i}`, order("filled")])), kelly: { window: 2, series: [{ rMultiple: [1, 2, 3] }] } }), 16);
    expect(bad.unbounded).toEqual(["20 finished orders kept (bound 16)", "a Kelly series of 3 trades (window 2)"]);
  });
});
