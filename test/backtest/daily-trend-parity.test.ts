import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { adjustSplits } from "../../src/data/splits.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { dropClosedDays, runDailyReference } from "../../src/backtest/daily-reference.ts";
import { bandFor, dailyTrend, DAILY_TREND_TABLE } from "../../strategies/daily-trend.ts";

/*
 * The engine against the trend follower's reference backtester (src/backtest/daily-reference.ts,
 * plain loops written from the rule, sharing no code with the engine): the same daily bars must
 * give the same trades, entered and left at the same sessions' opens. A daily bar read before its
 * close, a fill at the decision bar instead of the next open, or a missed exit would all show here.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dailyDir = resolve(repoRoot, "../shared/data/bars/1day");
const present = existsSync(dailyDir);
const DAY_MS = 86_400_000;
/** The session of a New York timestamp (daily bars are stamped 00:00 New York; fills at 09:30). */
const sessionOf = (tMs: number): number => Math.floor((tMs - 4 * 3_600_000) / DAY_MS);

describe.skipIf(!present)(present ? "daily-trend: engine = reference backtester on real daily bars" : `daily-trend parity: SKIPPED, ${dailyDir} is absent`, () => {
  it("takes the same trades on the six tabled symbols, 2018-2025", () => {
    const six = Object.keys(DAILY_TREND_TABLE).sort();
    const series = loadBarDir(dailyDir, { cacheDir: null, symbols: six }).series.map((s) => dropClosedDays(adjustSplits(s).series).series);
    const params = dailyTrend.params.parse({});
    const config = parseConfig({
      strategies: [{ id: "daily-trend", params: {}, symbols: six }],
      sizing: { mode: "fixed", drawdown: { ladder: [], haltAtPct: 100 } },
      risk: { maxOpenPositions: 6, maxTradesPerDay: 100, dailyLossLimitPct: 100, maxNotionalUsd: 1e9 },
      execution: { initialEquityUsd: 100_000, frictionRoundTripPct: params.frictionRoundTripBps / 100 },
    });
    const run = runBacktest({ config, source: seriesSource(series) });
    const ref = runDailyReference(
      series.map((s) => ({ series: s, ...bandFor(params, s.symbol) })),
      { initialEquityUsd: 100_000, sideCostBps: params.frictionRoundTripBps / 2, weight: 1 / six.length, maxPositionPct: params.maxPositionPct },
    );
    const key = (symbol: string, entry: number, exit: number | "open"): string => `${symbol} ${entry} -> ${exit}`;
    const engineTrades = new Map(run.engine.trades.map((t) => [key(t.symbol, sessionOf(t.entryTimeMs), t.exitReason === "end_of_data" ? "open" : sessionOf(t.exitTimeMs)), t]));
    const refTrades = ref.trades.map((t) => key(t.symbol, t.entryDay, t.open ? "open" : (t.exitDay ?? "open")));
    expect(refTrades.length).toBeGreaterThan(40);
    // Every reference trade is the engine's, entered and left at the same sessions' opens.
    expect(refTrades.filter((k) => !engineTrades.has(k))).toEqual([]);
    // The one way they may differ is where the cash ran out: the engine sizes an entry down to the
    // buying power left at the decision (what Alpaca would accept), the reference refuses an entry
    // whose fill finds less than a share of cash. Such an extra engine trade is a cut entry.
    const extra = [...engineTrades.keys()].filter((k) => !refTrades.includes(k));
    expect(extra.length).toBeLessThanOrEqual(ref.refusedEntries);
    for (const k of extra) expect(engineTrades.get(k)!.sizing.cap ?? "").toMatch(/^buying power/);
  });
});
