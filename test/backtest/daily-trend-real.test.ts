import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { etDayToIso } from "../../src/core/ny-time.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { adjustSplits } from "../../src/data/splits.ts";
import { studyDailyTrend } from "../../src/backtest/daily-study.ts";
import { dailyTrend, DAILY_TREND_TABLE } from "../../strategies/daily-trend.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dailyDir = resolve(repoRoot, "../shared/data/bars/1day");
const present = existsSync(dailyDir);

describe.skipIf(!present)(present ? "daily trend follower on real daily bars (../shared/data)" : `daily trend on real bars: SKIPPED, ${dailyDir} is absent`, () => {
  const all = present ? loadBarDir(dailyDir, { cacheDir: null }).series : [];

  it("finds exactly the 14 names' splits of 2018-2025 in the raw files, and no false ones", () => {
    const found = all.flatMap((s) => adjustSplits(s).splits.map((x) => `${x.symbol} ${etDayToIso(Math.floor(x.tMs / 86_400_000))} ${x.ratio}`));
    // The companies' announced forward splits (effective dates) over the files' span.
    expect(found.sort()).toEqual([
      "AAPL 2020-08-31 4", "AMZN 2022-06-06 20", "GOOGL 2022-07-18 20", "NFLX 2025-11-17 10",
      "NVDA 2021-07-20 4", "NVDA 2024-06-10 10", "TSLA 2020-08-31 5", "TSLA 2022-08-25 3",
    ]);
  });

  it("trades the six tabled symbols with their bands, decisions on sessions only, each fill after its decision", () => {
    const six = all.filter((s) => s.symbol in DAILY_TREND_TABLE);
    const st = studyDailyTrend(six, dailyTrend.params.parse({}), { initialEquityUsd: 100_000, bootstrap: { resamples: 100, level: 0.95, seed: 16 }, adjustSplits: true });
    expect(st.symbols).toEqual(["AAPL", "IWM", "MSFT", "NVDA", "QQQ", "SPY"]);
    expect(st.portfolio.trades).toBeGreaterThan(20);
    expect(st.perSymbol.find((p) => p.symbol === "AAPL")!.band).toEqual({ period: 28, upper: 65, lower: 35 });
    const days = new Set(st.run.days);
    for (const d of st.run.decisions) expect(days.has(d.day)).toBe(true);
    // Every fill is after its decision.
    for (const t of st.run.trades) {
      expect(t.entryDay).toBeGreaterThan(t.signalDay);
      if (t.exitDay !== null) expect(t.exitDay).toBeGreaterThan(t.exitSignalDay!);
    }
  });
});
