import { describe, expect, it } from "vitest";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { PluginStrategy } from "../../src/core/strategy.ts";
import type { BarSource } from "../../src/core/bars.ts";
import { strategyBreakdown, strategyMarkdown } from "../../src/report/by-strategy.ts";
import { compareModes } from "../../src/backtest/compare.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { batchOf, dailyBar, dailyStrategy, minuteDay, minuteStrategy, recordingSizer, slot, type Row } from "../engine/slots-fixture.ts";

function source(symbols: string[], rows: Row[]): BarSource {
  let done = false;
  return { symbols, totalBars: rows.length, nextBatch: () => (done ? null : ((done = true), batchOf(rows))) };
}

describe("by-strategy breakdown", () => {
  it("sums P/L, trades and wins per strategy, with a Kelly estimate and the allocation used", () => {
    const rows = strategyBreakdown(
      [
        { strategy: "a", pnlUsd: 200, notionalUsd: 10_000, equityUsd: 100_000 },
        { strategy: "a", pnlUsd: -100, notionalUsd: 10_000, equityUsd: 100_000 },
        { strategy: "a", pnlUsd: 200, notionalUsd: 20_000, equityUsd: 100_000 },
        { strategy: "b", pnlUsd: -50, notionalUsd: 5_000, equityUsd: null },
      ],
      { a: 0.7, b: 0.2, c: 0.1 },
    );
    expect(rows.map((r) => r.strategy)).toEqual(["a", "b", "c"]);
    const [a, b, c] = rows;
    expect(a).toMatchObject({ trades: 3, wins: 2, pnlUsd: 300, allocationPct: 70 });
    expect(a.winRatePct).toBeCloseTo(200 / 3, 10);
    // Returns: +2%, -1%, +1% -> W = 2/3, B = 1.5% / 1% = 1.5, K = 2/3 - (1/3) / 1.5.
    expect(a.kelly).toBeCloseTo(2 / 3 - 1 / 3 / 1.5, 10);
    expect(a.allocationUsedPct).toBeCloseTo((10 + 10 + 20) / 3, 10);
    expect(a.maxAllocationUsedPct).toBeCloseTo(20, 10);
    expect(b).toMatchObject({ trades: 1, wins: 0, pnlUsd: -50, kelly: null, allocationUsedPct: null });
    expect(c).toMatchObject({ trades: 0, winRatePct: null, pnlUsd: 0, allocationPct: 10 });
    expect(strategyMarkdown(rows).split("\n")[2]).toMatch(/^\| a \| 3 \| 66\.7% \| \+\$300\.00 \| 0\.444 \| 70% \| 13\.3% \| 20\.0% \|$/);
  });

  it("runBacktest runs any set of slots and breaks its trades down by strategy", () => {
    const config = parseConfig({});
    const log = { onBar: [], exitSignal: [] };
    const days = ["2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16", "2024-05-17"];
    const rows = [...days.flatMap((d) => minuteDay(0, d, 20)), ...days.map((d, i) => dailyBar(1, d, 100 + i, 101 + i, 99 + i, 100.5 + i))];
    const run = runBacktest({
      config,
      source: source(["MIN", "DAY"], rows),
      slots: [
        slot(minuteStrategy(log, ["10:00", "11:00"]) as PluginStrategy<unknown>, ["MIN"], { allocation: 0.6 }),
        slot(dailyStrategy(log, 1, 3) as PluginStrategy<unknown>, ["DAY"], { timeframe: "1Day", holding: "overnight", allocation: 0.4, index: 1 }),
      ],
      sizer: recordingSizer([], 100),
    });
    const by = Object.fromEntries(run.byStrategy.map((r) => [r.strategy, r]));
    expect(Object.keys(by)).toEqual(["fake-minute", "fake-daily"]);
    expect(by["fake-minute"].trades).toBe(10);
    expect(by["fake-daily"].trades).toBe(1);
    for (const id of ["fake-minute", "fake-daily"]) {
      const ts = run.engine.trades.filter((t) => t.strategyId === id);
      expect(by[id].pnlUsd).toBeCloseTo(ts.reduce((a, t) => a + t.pnlUsd, 0), 8);
    }
    expect(by["fake-daily"].allocationPct).toBe(40);
    // 100 shares at about $101 of $100k.
    expect(by["fake-daily"].allocationUsedPct).toBeCloseTo(10.1, 1);
  });
});

describe("compare runs the given slots", () => {
  it("every mode trades the same set of strategies", () => {
    const log = { onBar: [], exitSignal: [] };
    const rows = ["2024-05-13", "2024-05-14"].flatMap((d) => minuteDay(0, d, 20));
    const f = (k: "tMs" | "o" | "h" | "l" | "c" | "v") => Float64Array.from(rows.map((r) => r[k]));
    const series: BarSeries[] = [{ symbol: "MIN", length: rows.length, tMs: f("tMs"), open: f("o"), high: f("h"), low: f("l"), close: f("c"), volume: f("v") }];
    const cmp = compareModes({ config: parseConfig({}), series, modes: ["fixed", "kelly"], slots: [slot(minuteStrategy(log, ["10:00"], 1, "only-this") as PluginStrategy<unknown>, ["MIN"])] });
    for (const r of cmp.modes) {
      expect(r.run.engine.trades.map((t) => t.strategyId)).toEqual(["only-this", "only-this"]);
      expect(r.run.byStrategy.map((x) => x.strategy)).toEqual(["only-this"]);
    }
  });
});
