import { join } from "node:path";
import type { Command } from "commander";
import type { BarSeries, BarSource } from "../core/bars.ts";
import { RejectLog } from "../core/bars.ts";
import { listBarFiles, loadBarDir } from "../data/load-dir.ts";
import { seriesSource } from "../data/merge-source.ts";
import { generateSeries, syntheticSymbols } from "../data/generator.ts";
import { plausibleSeries } from "../data/plausible-series.ts";
import { DEFAULT_PLAUSIBILITY as DEFAULT_DATA, limitsFromConfig, type PlausibilityLimits } from "../data/plausibility.ts";
import { adjustSplits, type DetectedSplit } from "../data/splits.ts";
import { isDateStamped } from "../data/day-range.ts";
import type { Config } from "../config/schema.ts";

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
  /** Plausibility limits for every bar (undefined: the defaults now; null: shape checks only). */
  plausibility?: PlausibilityLimits | null;
  /** Split-adjust daily files (default true; commander's `--no-split-adjust` sets false). */
  splitAdjust?: boolean;
  /**
   * Keep a daily folder's bars before `--from` (start --local: they are the daily strategies'
   * warm-up history, served over REST and not replayed). Minute folders are still cut at `--from`.
   */
  dailyHistory?: boolean;
}

/** The plausibility limits of a config's `data.*` keys, as of now. */
export function barLimits(config: Config): PlausibilityLimits {
  return limitsFromConfig(config.data, Date.now());
}

export interface LoadedBars {
  readonly source: BarSource;
  readonly rows: number;
  readonly rejects: RejectLog | null;
  readonly loadMs: number;
  readonly origin: string;
  /** Splits found in daily files and adjusted for (empty for minute bars and generated data). */
  readonly splits: readonly DetectedSplit[];
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
    .option("--data <dir>", "folder of SYMBOL.csv, SYMBOL.csv.gz or SYMBOL.json Alpaca bar files, or several comma-separated (e.g. minute and daily bars for two strategies); generated data when omitted")
    .option("--symbols <list>", d.symbolsHelp ?? "comma-separated symbols to use (default: every file)")
    .option("--from <date>", "first New York trading date, YYYY-MM-DD")
    .option("--to <date>", "last New York trading date, YYYY-MM-DD (inclusive)")
    .option("--state <dir>", stateHelp, stateDir);
  if (d.cacheOption ?? true) cmd.option("--no-cache", "parse the files again instead of using the binary cache");
  cmd.option("--no-split-adjust", "use daily files' raw prices (by default a split found in a daily file is adjusted for, as Alpaca's adjustment=split does)");
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

/** `--symbols a,b` as upper-case names, or undefined. */
export function askedSymbols(o: { symbols?: string }): string[] | undefined {
  const list = o.symbols ? o.symbols.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean) : [];
  return list.length > 0 ? [...new Set(list)] : undefined;
}

/**
 * Refuses `--symbols` the data does not have (rather than trading the rest in silence), naming
 * what the data has.
 */
function checkAsked(dir: string, asked: string[] | undefined, series: readonly BarSeries[], o: BarInputOptions): void {
  const have = new Set(series.map((s) => s.symbol.toUpperCase()));
  const missing = (asked ?? []).filter((s) => !have.has(s));
  if (series.length > 0 && missing.length === 0) return;
  const inDir = [...new Set(listBarFiles(dir).map((f) => f.symbol.toUpperCase()))].sort();
  const range = o.from || o.to ? ` between ${o.from ?? "the start"} and ${o.to ?? "the end"}` : "";
  const what = missing.length > 0 ? `no bars for ${missing.join(", ")}` : "no bars";
  throw new Error(`${what} in ${dir}${range}; the data has: ${inDir.length > 0 ? inDir.join(", ") : "no bar files"}${range ? " (some may have no bars in that range)" : ""}`);
}

/**
 * `--data DIR[,DIR...]`: several folders feed one run (issue 14: the Bear Trap's minute bars and a
 * daily strategy's daily bars in one account). Each symbol comes from one folder: a symbol in two
 * folders is refused, as one symbol belongs to one strategy. `--symbols` may name symbols of any folder.
 */
function loadDirs(o: BarInputOptions, symbols: string[] | undefined, onFile?: (done: number, total: number) => void): { series: BarSeries[]; rows: number; rejects: RejectLog; splits: DetectedSplit[] } {
  const dirs = (o.data ?? "").split(",").map((d) => d.trim()).filter(Boolean);
  const series: BarSeries[] = [];
  const rejects = new RejectLog();
  const from = new Map<string, string>();
  const splits: DetectedSplit[] = [];
  let rows = 0;
  for (const dir of dirs) {
    // With several folders, each is asked only for the symbols it has (listed once, not once per symbol).
    const here = dirs.length > 1 && symbols ? new Set(listBarFiles(dir).map((f) => f.symbol.toUpperCase())) : null;
    const mine = here && symbols ? symbols.filter((s) => here.has(s)) : symbols;
    const load = (fromDay: string | undefined): ReturnType<typeof loadBarDir> =>
      loadBarDir(dir, {
        symbols: mine,
        fromDay,
        toDay: o.to,
        cacheDir: o.cache ? join(o.state, "cache") : null,
        onFile,
        plausibility: o.plausibility,
      });
    let r = load(o.from);
    // A daily folder (small) is read again whole: its sessions before --from are history.
    if (o.dailyHistory && o.from && r.series.some(isDateStamped)) r = load(undefined);
    if (dirs.length === 1) checkAsked(dir, symbols, r.series, o);
    for (const s of r.series) {
      const prev = from.get(s.symbol);
      if (prev !== undefined) throw new Error(`symbol ${s.symbol} is in two data folders (${prev} and ${dir}): one symbol belongs to one strategy`);
      from.set(s.symbol, dir);
      series.push(o.splitAdjust === false ? s : splitAdjusted(s, splits));
    }
    rows += r.rows;
    rejects.merge(r.rejects);
  }
  if (dirs.length > 1) {
    const missing = (symbols ?? []).filter((s) => !from.has(s));
    if (series.length === 0 || missing.length > 0) throw new Error(`${missing.length > 0 ? `no bars for ${missing.join(", ")}` : "no bars"} in ${dirs.join(", ")}`);
  }
  series.sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  return { series, rows, rejects, splits };
}

/**
 * A daily series in today's shares. The daily files are raw (Alpaca's default `adjustment=raw`), so
 * a 4:1 split reads as a 75% overnight crash that no holder suffered (Alpaca multiplies the shares
 * held). Minute series are left alone: the detector reads overnight gaps between daily bars. Like
 * Alpaca's own `adjustment=split`, earlier prices are divided by the ratio: returns are the true ones,
 * and a share count sized before the split is in today's shares.
 */
function splitAdjusted(s: BarSeries, found: DetectedSplit[]): BarSeries {
  if (!isDateStamped(s)) return s;
  const r = adjustSplits(s);
  found.push(...r.splits);
  return r.series;
}

/** Bars as whole series (for commands that run the same bars several times). */
export function loadSeries(o: BarInputOptions): { series: BarSeries[]; rejects: RejectLog | null; splits?: readonly DetectedSplit[] } {
  const symbols = askedSymbols(o);
  if (o.data) {
    const r = loadDirs(o, symbols);
    return { series: r.series, rejects: r.rejects, splits: r.splits };
  }
  return generated(o, symbols);
}

/**
 * Generated bars on the NYSE calendar, under invented names that cannot be real tickers unless
 * `--symbols` names them, checked like file bars (a refusal here would be a generator bug, counted).
 */
function generated(o: BarInputOptions, symbols: string[] | undefined): { series: BarSeries[]; rejects: RejectLog } {
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer (got ${JSON.stringify(o.seed)})`);
  const names = symbols ?? syntheticSymbols(positiveInt("--gen-symbols", o.genSymbols));
  const raw = generateSeries({ seed, symbols: names, days: positiveInt("--gen-days", o.genDays), startDay: o.from, calendar: true });
  const rejects = new RejectLog();
  const limits = o.plausibility === undefined ? barLimitsDefault() : o.plausibility;
  const series = limits === null ? raw : raw.map((s) => plausibleSeries(s, limits, rejects, `generated ${s.symbol}`));
  return { series, rejects };
}

function barLimitsDefault(): PlausibilityLimits {
  return limitsFromConfig(DEFAULT_DATA, Date.now());
}

/** Bars from `--data DIR` (cached binary after the first parse), or generated ones when no dir is given. */
export function loadBars(o: BarInputOptions, onFile?: (done: number, total: number) => void): LoadedBars {
  const t0 = performance.now();
  const symbols = askedSymbols(o);
  if (o.data) {
    const r = loadDirs(o, symbols, onFile);
    return { source: seriesSource(r.series), rows: r.rows, rejects: r.rejects, loadMs: performance.now() - t0, origin: o.data, splits: r.splits };
  }
  const { series, rejects } = generated(o, symbols);
  const rows = series.reduce((a, s) => a + s.length, 0);
  return { source: seriesSource(series), rows, rejects, loadMs: performance.now() - t0, origin: `generated (seed ${o.seed})`, splits: [] };
}
