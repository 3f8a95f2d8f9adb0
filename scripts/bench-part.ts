// One part of `npm run bench`, run in its own process by scripts/bench.ts so that its peak RSS is
// its own. Prints one JSON line. Parts: `real DIR` (the 2024q2 minute bars) and `generated N`.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RejectLog, type BarBatch } from "../src/core/bars.ts";
import { defaultConfig } from "../src/config/load.ts";
import { Engine } from "../src/engine/engine.ts";
import { loadBarDir } from "../src/data/load-dir.ts";
import { cachedFilesSource, seriesSource } from "../src/data/merge-source.ts";
import { parseBarsCsv } from "../src/data/csv-bars.ts";
import { readBarCache, writeBarCache } from "../src/data/bar-cache.ts";
import { generateSeries } from "../src/data/generator.ts";
import { writeAlpacaCsv } from "../src/data/csv-writer.ts";
import { runBacktest } from "../src/backtest/run.ts";
import type { Config } from "../src/config/schema.ts";
import { parseConfig } from "../src/config/load.ts";
import { createSizer } from "../src/sizing/pipeline.ts";
import { LearningState } from "../src/engine/learning.ts";
import { SeededRng } from "../src/core/rng.ts";
import { benchSizing } from "../src/sizing/bench.ts";
import { buildSlots } from "../src/strategy/slots.ts";

const stateDir = resolve(fileURLToPath(import.meta.url), "../../state/bench");
const config = defaultConfig();

function newEngine(cfg: Config, symbols: readonly string[]): Engine<unknown> {
  const sizer = createSizer({ sizing: cfg.sizing, risk: cfg.risk });
  const learning = cfg.sizing.mode === "fixed" ? undefined : new LearningState(cfg, new SeededRng(cfg.execution.seed));
  return new Engine<unknown>({ config: cfg, symbols, slots: buildSlots(cfg, symbols), sizer, learning });
}

/** Collects garbage between phases when run with --expose-gc (bench.ts does), so phases do not stack. */
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Best of several engine passes over one in-memory batch (the first passes warm the JIT). */
function engineRate(batch: BarBatch, symbols: readonly string[], cfg: Config): number {
  let best = 0;
  for (let k = 0; k < 6; k++) {
    const e = newEngine(cfg, symbols);
    const t0 = performance.now();
    e.runBatch(batch);
    e.finish();
    best = Math.max(best, (batch.length / (performance.now() - t0)) * 1000);
  }
  return best;
}

function bestSizing(mode: "fixed" | "full"): number {
  let best = 0;
  for (let k = 0; k < 3; k++) best = Math.max(best, benchSizing(300_000, mode).decisionsPerSec);
  return best;
}

function realPart(dir: string): object {
  const cacheDir = join(stateDir, "real-cache");
  rmSync(cacheDir, { recursive: true, force: true });
  // End to end first, as a user's first run sees it: parse (no cache yet), merge, engine, metrics.
  const t0 = performance.now();
  const first = loadBarDir(dir, { cacheDir });
  const run = runBacktest({ config, source: seriesSource(first.series) });
  const endToEndMs = performance.now() - t0;
  // A second run reads the binary cache.
  const t1 = performance.now();
  const second = loadBarDir(dir, { cacheDir });
  runBacktest({ config, source: seriesSource(second.series) });
  const endToEndCachedMs = performance.now() - t1;
  const tc = performance.now();
  const third = loadBarDir(dir, { cacheDir });
  const cacheMs = performance.now() - tc;
  const tp = performance.now();
  const parsed = loadBarDir(dir, { cacheDir: null });
  const parseMs = performance.now() - tp;
  const whole = seriesSource(parsed.series, parsed.rows + 1).nextBatch();
  if (whole === null) throw new Error("no bars");
  const rows = parsed.rows;
  const sym = seriesSource(parsed.series).symbols;
  return {
    label: `real minute bars (${dir})`,
    rows,
    trades: run.engine.trades.length,
    parseRowsPerSec: (rows / parseMs) * 1000,
    cacheLoadRowsPerSec: (third.rows / cacheMs) * 1000,
    engineBarsPerSec: engineRate(whole, sym, config),
    engineFullBarsPerSec: engineRate(whole, sym, parseConfig({ sizing: { mode: "full" } })),
    endToEndBarsPerSec: (rows / endToEndMs) * 1000,
    endToEndMs,
    endToEndCachedMs,
    peakRssMb: peakRssMb(),
    extra: { "end to end, cached": `${((rows / endToEndCachedMs) * 1000 / 1e6).toFixed(1)} M bars/s (${endToEndCachedMs.toFixed(0)} ms)`, "cached files": second.cachedFiles },
  };
}

/** Writes the generated set as CSV.gz once (kept under state/bench between runs). */
function ensureGeneratedCsv(dir: string, symbols: number, daysEach: number): string[] {
  const marker = join(dir, `.complete-${symbols}x${daysEach}`);
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return [];
  }
  return readdirSync(dir).filter((f) => f.endsWith(".csv.gz")).sort().map((f) => join(dir, f));
}

async function generatedPart(target: number): Promise<object> {
  const symbols = 20;
  // 390 regular-hours minutes a day, ~1% missing: days so that the set reaches the target.
  const daysEach = Math.ceil(target / symbols / 386);
  const csvDir = join(stateDir, "gen-csv");
  const cacheDir = join(stateDir, "gen-cache");
  const files = ensureGeneratedCsv(csvDir, symbols, daysEach);
  let genMs = 0;
  if (files.length === 0) {
    process.stderr.write(`bench: writing the generated set (${symbols} symbols x ${daysEach} days) to ${csvDir} once...\n`);
    const names = Array.from({ length: symbols }, (_, i) => `GEN${String(i).padStart(2, "0")}`);
    for (const name of names) {
      const tg = performance.now();
      const [s] = generateSeries({ seed: 20, symbols: [name], days: daysEach, startDay: "2000-01-03" });
      genMs += performance.now() - tg;
      await writeAlpacaCsv(s, join(csvDir, `${name}.csv.gz`), { gzip: true });
    }
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(csvDir, `.complete-${symbols}x${daysEach}`), "");
  }
  const parse = child<{ rows: number; parseRowsPerSec: number; cacheLoadRowsPerSec: number; peakRssMb: number }>(["generated-parse", csvDir, cacheDir]);
  const run = child<{ trades: number; bars: number; engineBarsPerSec: number; endToEndBarsPerSec: number; endToEndMs: number; peakRssMb: number }>(["generated-run", cacheDir]);
  return {
    label: `generated minute bars (${symbols} symbols x ${daysEach} days)`,
    rows: parse.rows,
    trades: run.trades,
    parseRowsPerSec: parse.parseRowsPerSec,
    cacheLoadRowsPerSec: parse.cacheLoadRowsPerSec,
    engineBarsPerSec: run.engineBarsPerSec,
    endToEndBarsPerSec: run.endToEndBarsPerSec,
    endToEndMs: run.endToEndMs,
    endToEndCachedMs: run.endToEndMs,
    peakRssMb: run.peakRssMb,
    extra: {
      ...(genMs > 0 ? { generator: `${((parse.rows / genMs) * 1000 / 1e6).toFixed(1)} M bars/s` } : {}),
      "peak RSS, parse": `${parse.peakRssMb.toFixed(0)} MB (CSV.gz -> cache, one 1M-row file at a time)`,
    },
  };
}

/** Runs a phase in its own process so that each phase's peak RSS is its own. */
function child<T>(args: string[]): T {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", fileURLToPath(import.meta.url), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (r.status !== 0) throw new Error(`bench phase ${args[0]} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as T;
}

/** Parses every generated CSV.gz (one at a time) into the binary cache, then times loading the cache. */
function generatedParse(csvDir: string, cacheDir: string): object {
  const files = readdirSync(csvDir).filter((f) => f.endsWith(".csv.gz")).sort().map((f) => join(csvDir, f));
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  // Parse every file (one at a time, so memory holds one symbol), writing its cache entry untimed.
  let rows = 0;
  let parseMs = 0;
  const cacheFiles: string[] = [];
  for (const f of files) {
    const tp = performance.now();
    const rejects = new RejectLog();
    const s = parseBarsCsv(readFileSync(f), f, rejects);
    parseMs += performance.now() - tp;
    rows += s.length;
    const out = join(cacheDir, `${s.symbol}.bars`);
    writeBarCache(out, [s], rejects, f);
    cacheFiles.push(out);
    // One symbol at a time: let the last file's text and columns go before the next is read.
    gc();
  }
  let cacheRows = 0;
  let cacheMs = 0;
  for (const f of cacheFiles) {
    const tc = performance.now();
    cacheRows += readBarCache(f)?.series[0]?.length ?? 0;
    cacheMs += performance.now() - tc;
    // Untimed: drop each loaded file before the next, as a streaming reader would.
    gc();
  }
  return { rows, parseRowsPerSec: (rows / parseMs) * 1000, cacheLoadRowsPerSec: (cacheRows / cacheMs) * 1000, peakRssMb: peakRssMb() };
}

/** Streams the cached set through the engine (bounded memory), timing the engine's share alone. */
function generatedRun(cacheDir: string): object {
  const cacheFiles = readdirSync(cacheDir).filter((f) => f.endsWith(".bars")).sort().map((f) => join(cacheDir, f));
  // Stream the whole set through the engine from the cache files, timing the engine's share alone.
  const t0 = performance.now();
  const src = cachedFilesSource(cacheFiles);
  const e = newEngine(config, src.symbols);
  let engineMs = 0;
  for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) {
    const te = performance.now();
    e.runBatch(b);
    engineMs += performance.now() - te;
  }
  const res = e.finish();
  const endToEndMs = performance.now() - t0;
  return { trades: res.trades.length, bars: res.bars, engineBarsPerSec: (res.bars / engineMs) * 1000, endToEndBarsPerSec: (res.bars / endToEndMs) * 1000, endToEndMs, peakRssMb: peakRssMb() };
}

const [part, arg] = process.argv.slice(2);
// Sizing runs in a process of its own: after the engine's loops, the pipeline's call sites see
// other shapes and run several times slower, which would measure the benchmark, not the sizer.
const rest = process.argv.slice(4);
const out =
  part === "real"
    ? realPart(arg)
    : part === "sizing"
      ? { fixed: bestSizing("fixed"), full: bestSizing("full") }
      : part === "generated-parse"
        ? generatedParse(arg, rest[0])
        : part === "generated-run"
          ? generatedRun(arg)
          : await generatedPart(Number(arg));
process.stdout.write(`${JSON.stringify(out)}\n`);
