import { describe, expect, it } from "vitest";
import type { BarSeries } from "../../src/core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { sessionBars, tradeChart, type ChartTrade } from "../../src/report/trade-chart.ts";
import { formatPct, formatUsd } from "../../src/report/format.ts";
import { buyAndHold, drawdownTable, hourTable, monthlyTable, symbolTable } from "../../src/report/report-tables.ts";

const DAY = "2024-04-02";
const OPEN = etToUtcMs(isoToEtDay(DAY), 570);

/** A session from 09:30 New York: bar i starts at OPEN + i minutes; [open, high, low, close]. */
function series(symbol: string, bars: readonly (readonly [number, number, number, number])[], startMs = OPEN): BarSeries {
  const col = (k: number): Float64Array => Float64Array.from(bars.map((b) => b[k]));
  return { symbol, length: bars.length, tMs: Float64Array.from(bars.map((_, i) => startMs + i * 60_000)), open: col(0), high: col(1), low: col(2), close: col(3), volume: Float64Array.from(bars.map(() => 1000)) };
}

// 10 falls to a low of 8 (bar 1), breaks under it to 7.5 (bar 3), reclaims 8 on bar 4, rises to 9.
const TRAP = series("TRAP", [
  [10, 10.2, 9.9, 10], // 0: session high 10.2
  [9.5, 9.6, 8, 8.2], // 1: support 8
  [8.3, 8.5, 8.1, 8.2],
  [8.1, 8.2, 7.5, 7.7], // 3: the break
  [7.7, 8.4, 7.6, 8.3], // 4: the reclaim, entry at its close
  [8.3, 8.8, 8.3, 8.7],
  [8.7, 9.1, 8.6, 9],
]);
const iso = (i: number): string => new Date(OPEN + i * 60_000).toISOString();

describe("a trade's session chart", () => {
  it("keeps only the regular session, in New York wall-clock seconds", () => {
    const pre = series("PRE", [[1, 1, 1, 1], [1, 1, 1, 1], [2, 2, 2, 2]], OPEN - 2 * 60_000);
    const b = sessionBars(pre, DAY)!;
    expect(b.c).toEqual([2]);
    // 09:30 New York on the wall clock, whatever the UTC offset (EDT on 2024-04-02).
    expect(new Date(b.t[0] * 1000).toISOString().slice(11, 16)).toBe("09:30");
    expect(sessionBars(pre, "2024-04-03")).toBeNull();
  });

  it("marks the session low, the break, the reclaim, the entry, adds, exits, stop and targets", () => {
    const b = sessionBars(TRAP, DAY)!;
    const trade: ChartTrade = {
      symbol: "TRAP", entryTime: iso(5), exitTime: iso(6), entryPrice: 8.3, exitPrice: 9, shares: 100, r: 1.2, exitReason: "t_2R", template: "normal",
      legs: {
        entries: [{ time: iso(5), priceUsd: 8.3, shares: 60, reason: "entry" }, { time: iso(6), priceUsd: 8.7, shares: 40, reason: "add1" }],
        exits: [{ time: iso(6), priceUsd: 9, shares: 100, reason: "t_2R" }],
        stopUsd: 7.3,
        reclaimedLevelUsd: 8,
      },
    };
    const c = tradeChart(trade, b, new Map([["normal", [{ atR: 1, fraction: 0.4 }, { atR: 2, fraction: 0.6 }]]]));
    const at = (kind: string): number[] => c.markers.filter((m) => m.kind === kind).map((m) => b.t.indexOf(m.t));
    expect(at("break")).toEqual([3]);
    expect(at("session-low")).toEqual([3]);
    expect(at("reclaim")).toEqual([4]);
    expect(at("entry")).toEqual([5]);
    expect(at("add")).toEqual([6]);
    expect(at("exit")).toEqual([6]);
    expect(c.lines.map((l) => [l.kind, l.priceUsd])).toEqual([["support", 8], ["stop", 7.3], ["target", 9.3], ["target", 10.3]]);
    expect(c.session).toBe("TRAP|2024-04-02");
    // Sorted by time, as lightweight-charts requires of markers.
    expect(c.markers.map((m) => m.t)).toEqual([...c.markers.map((m) => m.t)].sort((x, y) => x - y));
  });

  it("without legs: the stop from the trade's R, the strategy's own targets from the session high", () => {
    const b = sessionBars(TRAP, DAY)!;
    const c = tradeChart({ symbol: "TRAP", entryTime: iso(5), exitTime: iso(6), entryPrice: 8.3, exitPrice: 9, shares: 100, r: 0.7, exitReason: "eod", template: null }, b, new Map());
    const stop = c.lines.find((l) => l.kind === "stop")!;
    expect(stop.priceUsd).toBeCloseTo(7.3, 4);
    expect(c.notes.join()).toContain("derived");
    // TP1 halfway to the session high (10.2), TP2 at it (SPEC 1).
    expect(c.lines.filter((l) => l.kind === "target").map((l) => l.priceUsd)).toEqual([9.25, 10.2]);
    // The support that broke is the session low before the break (bar 1's 8).
    expect(c.lines.find((l) => l.kind === "support")?.priceUsd).toBe(8);
  });
});

describe("one money and percent format", () => {
  it("puts the sign before the dollar and groups thousands", () => {
    expect(formatUsd(-1364.29)).toBe("-$1,364.29");
    expect(formatUsd(1364.291)).toBe("$1,364.29");
    expect(formatUsd(12, 2, true)).toBe("+$12.00");
    expect(formatUsd(-0.001)).toBe("$0.00");
    expect(formatUsd(Number.NaN)).toBe("-");
    expect(formatPct(-12.345)).toBe("-12.35%");
    expect(formatPct(3, 1, true)).toBe("+3.0%");
  });
});

describe("the report's breakdown tables", () => {
  const trades = [
    { symbol: "A", entryTime: "2024-04-02T14:00:00Z", pnl: -100, r: -1, exitReason: "stop" },
    { symbol: "A", entryTime: "2024-04-02T15:10:00Z", pnl: 300, r: 2, exitReason: "t_2R" },
    { symbol: "B", entryTime: "2024-04-03T14:05:00Z", pnl: -50, r: -0.5, exitReason: "stop" },
  ];
  it("groups by symbol (worst first) and by New York hour", () => {
    expect(symbolTable(trades).rows).toEqual([["B", "1", "0%", "-0.50", "-$50.00"], ["A", "2", "50%", "0.50", "$200.00"]]);
    // 14:00Z on 2024-04-02 is 10:00 in New York (EDT).
    expect(hourTable(trades).rows.map((r) => r[0])).toEqual(["10:00", "11:00"]);
    expect(symbolTable([]).note).toBe("no trades in this run");
  });

  it("finds the deepest drawdowns and the monthly returns", () => {
    const daily = [
      { day: "2024-03-28", equityUsd: 110 },
      { day: "2024-04-01", equityUsd: 99 },
      { day: "2024-04-02", equityUsd: 120 },
      { day: "2024-04-03", equityUsd: 114 },
    ];
    const dd = drawdownTable(100, daily);
    expect(dd.rows).toEqual([["2024-03-28", "2024-04-01", "2024-04-02", "-10.00%"], ["2024-04-02", "2024-04-03", "not yet", "-5.00%"]]);
    expect(monthlyTable(100, daily).rows).toEqual([["2024-03", "10.00%", "$10.00"], ["2024-04", "3.64%", "$4.00"]]);
    expect(drawdownTable(100, []).rows).toEqual([]);
  });

  it("benchmarks an equal-weight buy and hold of the traded symbols", () => {
    const day2 = etToUtcMs(isoToEtDay("2024-04-03"), 570);
    const a = series("A", [[10, 10, 10, 10]]);
    const a2 = { ...a, length: 2, tMs: Float64Array.from([OPEN, day2]), close: Float64Array.from([10, 20]) };
    const b = series("B", [[5, 5, 5, 5]]);
    const eq = buyAndHold([a2, b, series("C", [[1, 1, 1, 1]])], ["A", "B"], [DAY, "2024-04-03"], 1000);
    // Half in A doubles, half in B holds its last close.
    expect(eq).toEqual([{ day: DAY, equityUsd: 1000 }, { day: "2024-04-03", equityUsd: 1500 }]);
    expect(buyAndHold([], ["A"], [DAY], 1000)).toBeNull();
  });
});
