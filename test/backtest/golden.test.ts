import { describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";

/**
 * The golden backtest: fixed generated data and config -> a committed snapshot of every trade and
 * the daily equity. A change in any fill, size or exit shows up here; update the snapshot
 * (`npx vitest run -u test/backtest/golden.test.ts`) only when the change is intended and explained.
 */
describe("golden backtest", () => {
  it("reproduces the committed trades and equity", () => {
    const series = generateSeries({ seed: 2024, symbols: 8, days: 40 });
    const config = parseConfig({ strategy: { minDayChangePct: -12 } });
    const run = runBacktest({ config, source: seriesSource(series) });
    const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
    const trades = run.engine.trades.map((t) => ({
      symbol: t.symbol,
      entry: `${t.entryTime} ${r6(t.entryPriceUsd)}`,
      exits: t.exits.map((e) => `${new Date(e.timeMs).toISOString()} ${e.reason} ${e.qtyShares}@${r6(e.priceUsd)}`),
      shares: t.shares,
      stop: r6(t.initialStopUsd),
      r: r6(t.rMultiple),
      pnl: r6(t.pnlUsd),
    }));
    expect(trades.length).toBeGreaterThan(5);
    expect({
      signals: run.engine.signals,
      rejections: run.engine.rejections,
      trades,
      daily: run.engine.daily.map((d) => `${d.day} ${r6(d.equityUsd)}`),
    }).toMatchSnapshot();
  });
});
