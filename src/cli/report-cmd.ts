import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { BracketRow } from "../backtest/compare.ts";
import type { CalibrationRow } from "../sizing/calibration.ts";
import { parseQTable, type QTable } from "../sizing/rl/index.ts";
import { renderReport } from "../report/html.ts";
import { ChartBars, chartNotes, reportRun, type ReportData, type ReportRun } from "../report/report-data.ts";
import { loadBarDir } from "../data/load-dir.ts";
import { nyDate } from "../report/trades.ts";
import { readStateFile, tradeListInput, tradeListModes } from "../report/journal-source.ts";
import { loadReview, withReviewSource, type LoadedReview, type ReviewSourceOptions } from "./review-input.ts";

interface ReportOptions extends ReviewSourceOptions {
  out?: string;
  data?: string;
}

/** `sizewise report`: one self-contained HTML file with the charts and the trade table. */
export function registerReport(program: Command): void {
  withReviewSource(
    program
      .command("report")
      .description("Write one self-contained HTML report (opens offline): equity and drawdown, P/L by day, size distribution, win rate by size, Kelly predicted vs realised edge, confidence calibration, RL convergence and the trade table."),
    "range",
  )
    .option("--out <file>", "where to write the HTML (default: <state>/report.html, or next to --input)")
    .option("--data <dir>", "the bar files the trades ran on (SYMBOL.csv[.gz]): each trade gets a chart of its session, and equity a buy-and-hold benchmark")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise report                                         # the journal in ./state -> state/report.html
  $ npx sizewise report --all-runs                              # every run on the state dir, side by side
  $ npx sizewise report --state /tmp/x --from 2024-01-01 --to 2024-01-31 --out january.html
  $ npx sizewise report --data ../shared/data/bars/1min/2024q2            # with a chart of every trade
  $ npx sizewise compare --json > cmp.json && npx sizewise report --input cmp.json --out compare.html
  $ npx sizewise compare --report compare.html                  # the same, in one step`,
    )
    .action((o: ReportOptions) => reportCommand(o));
}

function reportCommand(o: ReportOptions): void {
  const r = loadReview(o, true);
  if (r.dates.length === 0) throw new Error(`nothing to report between ${o.from ?? "the start"} and ${o.to ?? "the end"}`);
  const bars = o.data ? reportBars(o.data, r) : undefined;
  const data = o.input ? inputReport(o, r, bars) : journalReport(o, r, bars);
  const out = o.out ?? (o.input ? `${o.input.replace(/\.json$/i, "")}.html` : `${o.state}/report.html`);
  writeFileSync(out, renderReport(data));
  const trades = data.runs.reduce((a, x) => a + x.trades.length, 0);
  process.stdout.write(`report: ${out} (${data.runs.length} run${data.runs.length === 1 ? "" : "s"}, ${trades} trades, ${r.dates[0]}..${r.dates[r.dates.length - 1]}); open it in a browser, no network needed\n`);
}

/** The bars of the traded symbols over the reported days (entries may precede the first exit day). */
function reportBars(dir: string, r: LoadedReview): ChartBars {
  const trades = r.runs.flatMap((x) => x.input.trades);
  const symbols = [...new Set(trades.map((t) => t.symbol))];
  const entryDays = trades.map((t) => nyDate(t.entryTime)).sort();
  const from = [r.dates[0], entryDays[0] ?? r.dates[0]].sort()[0];
  const loaded = loadBarDir(dir, { symbols: symbols.length ? symbols : undefined, fromDay: from, toDay: r.dates[r.dates.length - 1], cacheDir: null });
  return new ChartBars(loaded.series);
}

function journalReport(o: ReportOptions, r: LoadedReview, bars: ChartBars | undefined): ReportData {
  const state = readStateFile(o.state);
  let qTable: QTable | null = null;
  const notes: string[] = [];
  if (state?.qtable) {
    try {
      qTable = parseQTable(state.qtable, `${o.state}/state.json`);
    } catch (e) {
      notes.push(`Q-table in state.json not used: ${(e as Error).message}`);
    }
  }
  const from = r.dates[0];
  const to = r.dates[r.dates.length - 1];
  // One report run per journal run: a second run on the state dir is shown beside the first, never added to it.
  const runs = r.runs.map((x) => reportRun(r.runs.length === 1 ? `journal ${x.label}` : x.label, x.input, { config: r.config, qTable: x.id !== null && x.id === state?.run?.id ? qTable : null, from, to, bars }));
  const broker = state?.run?.broker ?? "unknown broker";
  const others = r.allRuns.filter((l) => !r.runs.some((x) => x.label === `run ${l}`));
  if (others.length > 0) notes.push(`This journal also holds run${others.length === 1 ? "" : "s"} ${others.join(", ")} (not in this report): --run ID or --all-runs.`);
  notes.push(
    "Equity is each day's closing equity from the journal's summary events; P/L by day is that day's realised P/L.",
    "Kelly edge, calibration and RL convergence are rebuilt from the journal's sizing decisions and exits.",
  );
  notes.push(...chartNotes(bars));
  return { title: `sizewise report: ${o.state}`, subtitle: `journal ${from}..${to}, ${broker}, ${runs.map((x) => `${x.name}: ${x.trades.length} trades`).join("; ")}`, generatedAt: new Date().toISOString(), runs, notes, sessions: bars?.json() ?? {}, tables: [] };
}

/** A backtest's (one run) or a compare's or walk-forward's (one run per mode) JSON output. */
function inputReport(o: ReportOptions, r: LoadedReview, bars: ChartBars | undefined): ReportData {
  const json = r.json as Record<string, unknown>;
  const modes = o.mode ? [o.mode] : tradeListModes(json);
  const perMode = (json.modes ?? (json.outOfSample as Record<string, unknown> | undefined)?.modes ?? {}) as Record<string, { sizeDistribution?: BracketRow[]; calibration?: CalibrationRow[] }>;
  const from = o.from;
  const to = o.to;
  const runs: ReportRun[] = modes.map((m) => {
    const input = tradeListInput(o.input!, json, r.config.execution.initialEquityUsd, Array.isArray(json.tradeList) ? undefined : m);
    const whole = from === undefined && to === undefined;
    return reportRun(m, input, {
      config: r.config,
      sizes: whole ? perMode[m]?.sizeDistribution : undefined,
      calibration: whole ? perMode[m]?.calibration : undefined,
      from,
      to,
      bars,
    });
  });
  return {
    title: `sizewise report: ${o.input}`,
    subtitle: `${runs.length > 1 ? `${runs.length} sizing modes side by side` : `sizing mode ${runs[0]?.name ?? "-"}`}, ${r.dates[0]}..${r.dates[r.dates.length - 1]}`,
    generatedAt: new Date().toISOString(),
    runs,
    notes: ["Equity is the starting equity (execution.initialEquityUsd) plus closed-trade P/L by exit day.", "The RL charts show the multiplier last chosen per state: a JSON output carries no Q-table.", ...chartNotes(bars)],
    sessions: bars?.json() ?? {},
    tables: [],
  };
}
