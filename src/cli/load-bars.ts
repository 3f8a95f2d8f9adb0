import { join } from "node:path";
import type { Command } from "commander";
import type { BarSeries, BarSource, RejectLog } from "../core/bars.ts";
import { loadBarDir } from "../data/load-dir.ts";
import { seriesSource } from "../data/merge-source.ts";
import { generateSeries } from "../data/generator.ts";

export interface BarInputOptions {
  data?: string;
  symbols?: string;
  from?: string;
  to?: string;
  state: string;
  cache: boolean;
  seed: string;
  genSymbols: string;
  genDays: string;
}

export interface LoadedBars {
  readonly source: BarSource;
  readonly rows: number;
  readonly rejects: RejectLog | null;
  readonly loadMs: number;
  readonly origin: string;
}

/** Where a command's bar options differ from the backtest's (defaults and help). */
export interface BarInputDefaults {
  readonly state?: readonly [help: string, dir: string];
  readonly symbolsHelp?: string;
  readonly seedHelp?: string;
  readonly genSymbols?: string;
  readonly genDays?: string;
  /** Offer --no-cache (commands that always cache, like the daemon, do not). */
  readonly cacheOption?: boolean;
}

/** Adds the options every bar-consuming command shares. */
export function withBarInputs(cmd: Command, d: BarInputDefaults = {}): Command {
  const [stateHelp, stateDir] = d.state ?? ["state folder; parsed bars are cached in <state>/cache", "state"];
  cmd
    .option("--data <dir>", "folder of SYMBOL.csv, SYMBOL.csv.gz or SYMBOL.json Alpaca bar files (generated data when omitted)")
    .option("--symbols <list>", d.symbolsHelp ?? "comma-separated symbols to use (default: every file)")
    .option("--from <date>", "first New York trading date, YYYY-MM-DD")
    .option("--to <date>", "last New York trading date, YYYY-MM-DD (inclusive)")
    .option("--state <dir>", stateHelp, stateDir);
  if (d.cacheOption ?? true) cmd.option("--no-cache", "parse the files again instead of using the binary cache");
  return cmd
    .option("--seed <n>", d.seedHelp ?? "seed of the generated data", "42")
    .option("--gen-symbols <n>", "symbols of generated data", d.genSymbols ?? "20")
    .option("--gen-days <n>", "trading days of generated data", d.genDays ?? "60");
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(v)})`);
  return n;
}

/** Bars as whole series (for commands that run the same bars several times). */
export function loadSeries(o: BarInputOptions): { series: BarSeries[]; rejects: RejectLog | null } {
  const symbols = o.symbols ? o.symbols.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean) : undefined;
  if (o.data) {
    const r = loadBarDir(o.data, { symbols, fromDay: o.from, toDay: o.to, cacheDir: o.cache ? join(o.state, "cache") : null });
    if (r.series.length === 0) throw new Error(`no bar files for ${symbols ? symbols.join(",") : "any symbol"} in ${o.data}`);
    return { series: r.series, rejects: r.rejects };
  }
  return { series: generated(o, symbols), rejects: null };
}

function generated(o: BarInputOptions, symbols: string[] | undefined): BarSeries[] {
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer (got ${JSON.stringify(o.seed)})`);
  return generateSeries({ seed, symbols: symbols ?? positiveInt("--gen-symbols", o.genSymbols), days: positiveInt("--gen-days", o.genDays), startDay: o.from });
}

/** Bars from `--data DIR` (cached binary after the first parse), or generated ones when no dir is given. */
export function loadBars(o: BarInputOptions, onFile?: (done: number, total: number) => void): LoadedBars {
  const t0 = performance.now();
  const symbols = o.symbols ? o.symbols.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean) : undefined;
  if (o.data) {
    const r = loadBarDir(o.data, {
      symbols,
      fromDay: o.from,
      toDay: o.to,
      cacheDir: o.cache ? join(o.state, "cache") : null,
      onFile,
    });
    if (r.series.length === 0) throw new Error(`no bar files for ${symbols ? symbols.join(",") : "any symbol"} in ${o.data}`);
    return { source: seriesSource(r.series), rows: r.rows, rejects: r.rejects, loadMs: performance.now() - t0, origin: o.data };
  }
  const series = generated(o, symbols);
  const rows = series.reduce((a, s) => a + s.length, 0);
  return { source: seriesSource(series), rows, rejects: null, loadMs: performance.now() - t0, origin: `generated (seed ${o.seed})` };
}
