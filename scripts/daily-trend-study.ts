// The daily RSI hysteresis trend follower (strategies/daily-trend.ts) on the real daily bars, through
// the engine-independent reference backtest (src/backtest/daily-reference.ts), issue 14 item 3.
// Run 1: the six symbols of the research's table with their own bands. Run 2: all the symbols of
// the folder with the strategy's default params (the table for those six, the default band for the
// rest). Prints tables and writes the figures, trades and detected splits as JSON.
//   node --import tsx scripts/daily-trend-study.ts [DATA_DIR] [OUT_JSON]
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { etDayToIso } from "../src/core/ny-time.ts";
import { loadBarDir } from "../src/data/load-dir.ts";
import { DEFAULT_BOOTSTRAP } from "../src/stats/bootstrap.ts";
import type { Figure, RunFigures } from "../src/backtest/daily-figures.ts";
import { studyDailyTrend, type DailyStudy } from "../src/backtest/daily-study.ts";
import { dailyTrend, DAILY_TREND_TABLE } from "../strategies/daily-trend.ts";

const [dataDir = "../shared/data/bars/1day", outPath = "state/daily-trend-study.json"] = process.argv.slice(2);
if (!existsSync(dataDir)) {
  console.log(`daily-trend study skipped: no daily bars at ${dataDir} (the shared data folder is absent)`);
  process.exit(0);
}

const params = dailyTrend.params.parse({});
const opts = { initialEquityUsd: 100_000, bootstrap: DEFAULT_BOOTSTRAP, adjustSplits: true };

function load(symbols?: string[]): ReturnType<typeof loadBarDir> {
  const r = loadBarDir(dataDir, { symbols, cacheDir: null });
  if (r.rejects.count > 0) console.log(`  rows refused by the loader: ${[...r.rejects.byReason].map(([why, n]) => `${n} ${why}`).join(", ")}`);
  if (r.missingSymbols.length > 0) console.log(`  missing symbols: ${r.missingSymbols.join(" ")}`);
  return r;
}

const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : "-");
const ci = (x: Figure, d = 1): string => `${f(x.value, d)} [${f(x.lo, d)}, ${f(x.hi, d)}]`;

function row(label: string, r: RunFigures): string {
  return [
    label.padEnd(16),
    ci(r.cagrPct).padStart(22),
    ci(r.totalReturnPct, 0).padStart(20),
    ci(r.maxDrawdownPct).padStart(20),
    ci(r.sharpe, 2).padStart(20),
    String(r.trades).padStart(6),
    `${f(r.winRatePct.value, 0)} [${f(r.winRatePct.lo, 0)}, ${f(r.winRatePct.hi, 0)}]`.padStart(14),
    f(r.avgHoldingDays).padStart(8),
    f(r.timeInMarketPct, 0).padStart(6),
    f(r.avgExposurePct, 0).padStart(6),
  ].join(" ");
}

const HEADER = [
  "".padEnd(16), "CAGR % [95% CI]".padStart(22), "total % [CI]".padStart(20), "max DD % [CI]".padStart(20),
  "Sharpe [CI]".padStart(20), "trades".padStart(6), "win % [CI]".padStart(14), "hold d".padStart(8), "in %".padStart(6), "exp %".padStart(6),
].join(" ");

function print(title: string, s: DailyStudy): void {
  console.log(`\n${title}: ${s.symbols.join(" ")}, ${etDayToIso(s.firstDay)}..${etDayToIso(s.lastDay)} (${s.portfolio.days} sessions)`);
  console.log(HEADER);
  console.log(row("portfolio", s.portfolio));
  console.log(row("buy & hold", s.benchmark));
  for (const p of s.perSymbol) {
    console.log(row(`${p.symbol} ${p.band.period}/${p.band.upper}/${p.band.lower}`, p.strategy));
    console.log(row(`  ${p.symbol} hold`, p.buyAndHold));
  }
  console.log(
    `  portfolio: end equity $${f(s.portfolio.endEquityUsd, 0)} from $${opts.initialEquityUsd}; open trades ${s.portfolio.openTrades}; entries refused for cash ${s.refusedEntries}, cut for cash ${s.cutEntries}; bars on closed days skipped ${s.skippedBars}`,
  );
  console.log(`  splits adjusted: ${s.splits.map((x) => `${x.symbol} ${etDayToIso(Math.floor(x.tMs / 86_400_000))} ${x.ratio >= 1 ? `${x.ratio}:1` : `1:${1 / x.ratio}`}`).join(", ") || "none"}`);
}

function summary(s: DailyStudy): unknown {
  const { run, ...rest } = s;
  return {
    ...rest,
    firstDay: etDayToIso(s.firstDay),
    lastDay: etDayToIso(s.lastDay),
    splits: s.splits.map((x) => ({ ...x, day: etDayToIso(Math.floor(x.tMs / 86_400_000)) })),
    trades: run.trades.map((t) => ({ ...t, signalDay: etDayToIso(t.signalDay), entryDay: etDayToIso(t.entryDay), exitDay: t.exitDay === null ? null : etDayToIso(t.exitDay) })),
  };
}

const t0 = Date.now();
const tabled = load(Object.keys(DAILY_TREND_TABLE));
const six = studyDailyTrend(tabled.series, params, opts);
print("Run 1, the research's six symbols with their bands", six);
const all = load();
const fourteen = studyDailyTrend(all.series, params, opts);
print(`Run 2, all ${all.series.length} symbols with the default params`, fourteen);
console.log(
  `\nReference backtest: one cash account of $${opts.initialEquityUsd}, 1/N of equity per symbol capped at ${params.maxPositionPct}%, fills at the next open, ${params.frictionRoundTripBps} bps round trip; per-symbol rows: that symbol alone with the whole account. CIs: ${DEFAULT_BOOTSTRAP.level * 100}% stationary day-block bootstrap, ${DEFAULT_BOOTSTRAP.resamples} resamples, seed ${DEFAULT_BOOTSTRAP.seed} (win rate: resampled trades). ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify({ params, options: opts, runs: { tabled: summary(six), all: summary(fourteen) } }, null, 1));
console.log(`wrote ${outPath}`);
