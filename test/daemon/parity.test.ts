import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { parseConfig } from "../../src/config/load.ts";
import { tradeView } from "./trade-view.ts";
import type { TradeRecord } from "../../src/core/types.ts";

const view = tradeView;

/** Prices agree to the exchange's wire precision (it sends prices as strings with 6 decimals). */
function expectSamePrices(a: readonly TradeRecord[], b: readonly TradeRecord[]): void {
  a.forEach((t, i) => {
    [...t.entries, ...t.exits].forEach((leg, k) => expect(Math.abs(leg.priceUsd - [...b[i].entries, ...b[i].exits][k].priceUsd)).toBeLessThan(1e-5));
  });
}

describe("parity: the same bars through backtest and through the daemon on the local exchange", () => {
  // fixed: targets, stops, time stops, the flatten. full: templates with scale-ins, and every learned layer.
  for (const mode of ["fixed", "full"] as const) {
    it(`gives the same trade list (times, sizes, prices) in ${mode} mode when market orders fill at the next open in both`, async () => {
      // A live broker fills a market order at the next price, so the backtest is told to do the same.
      const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode }, execution: { entryFill: "next_open", exitFill: "next_open" } });
      const series = generateSeries({ seed: 1, symbols: 12, days: 15, selloffProb: 0.1 });
      const backtest = runBacktest({ config, source: seriesSource(series) }).engine.trades;
      const daemon = await runLocal({ config, series, stateDir: mkdtempSync(join(tmpdir(), "sw-parity-")), log: pino({ level: "silent" }) });
      const reasons = new Set(backtest.flatMap((t) => [...t.entries, ...t.exits].map((e) => e.reason)));
      expect(backtest.length).toBeGreaterThan(10);
      expect(reasons.has("stop") && reasons.has("time_stop") && reasons.has("eod")).toBe(true);
      if (mode === "full") expect(reasons.has("add1") && reasons.has("t2_2R")).toBe(true);
      else expect(reasons.has("tp1")).toBe(true);
      expect(view(daemon.trades)).toEqual(view(backtest));
      expectSamePrices(daemon.trades, backtest);
    }, 60_000);
  }
});
