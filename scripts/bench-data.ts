// Bar-data throughput: cold CSV.gz parse, binary cache load, and (with --big) streaming a 20M-bar
// cache under a memory bound. Run: node --import tsx scripts/bench-data.ts [--big]
// Speed is measured and printed, never asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BarSeries } from "../src/core/bars.ts";
import { RejectLog } from "../src/core/bars.ts";
import { writeBarCache } from "../src/data/bar-cache.ts";
import { loadBarDir } from "../src/data/load-dir.ts";
import { cachedFilesSource } from "../src/data/merge-source.ts";

export interface BenchResult {
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSec: number;
}

function result(rows: number, ms: number): BenchResult {
  return { rows, ms, rowsPerSec: ms > 0 ? (rows / ms) * 1000 : 0 };
}

/** Reads, gunzips, parses and validates every bar file of `dir`, with the cache off. */
export function benchParse(dir: string): BenchResult {
  const t0 = performance.now();
  const r = loadBarDir(dir, { cacheDir: null });
  return result(r.rows, performance.now() - t0);
}

/**
 * Loads `dir` from the binary cache in `cacheDir`. Entries missing from the cache are made first,
 * outside the timing; the timed load must then be all cache hits.
 */
export function benchCacheLoad(dir: string, cacheDir: string): BenchResult {
  const warm = loadBarDir(dir, { cacheDir });
  if (warm.warnings.length > 0) throw new Error(warm.warnings.join("; "));
  return timeCachedLoad(dir, cacheDir);
}

/** One timed load that must be all cache hits. */
function timeCachedLoad(dir: string, cacheDir: string): BenchResult {
  const t0 = performance.now();
  const r = loadBarDir(dir, { cacheDir });
  const ms = performance.now() - t0;
  if (r.parsedFiles !== 0) throw new Error(`expected only cache hits, parsed ${r.parsedFiles} file(s)`);
  return result(r.rows, ms);
}

/** {@link timeCachedLoad} in a fresh process: what a second `backtest --data` run sees. */
function coldCachedLoad(dir: string, cacheDir: string): BenchResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--import", "tsx", self, "--cached-load-child", dir, cacheDir], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cached-load child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as BenchResult;
}

/** A random walk of minute bars for one symbol (the shape matters little here, only the volume). */
function syntheticSeries(symbol: string, rows: number, seed: number): BarSeries {
  const cols = Array.from({ length: 6 }, () => new Float64Array(rows));
  const [t, o, h, l, c, v] = cols;
  let x = seed;
  const rnd = (): number => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 4294967296);
  let px = 10 + rnd() * 90;
  let time = Date.UTC(2020, 0, 2, 14, 30);
  for (let i = 0; i < rows; i++) {
    const close = Math.max(0.5, px * (1 + (rnd() - 0.5) * 0.01));
    t[i] = time;
    o[i] = px;
    c[i] = close;
    h[i] = Math.max(px, close) * (1 + rnd() * 0.002);
    l[i] = Math.min(px, close) * (1 - rnd() * 0.002);
    v[i] = Math.floor(rnd() * 50_000);
    px = close;
    time += 60_000 * (rnd() < 0.1 ? 2 : 1);
  }
  return { symbol, length: rows, tMs: t, open: o, high: h, low: l, close: c, volume: v };
}

/**
 * Writes `symbols` x `rowsPerSymbol` synthetic bars as cache files (one symbol in memory at a time),
 * then streams them all through cachedFilesSource, reporting throughput and peak RSS.
 */
export function benchStreamBig(cacheDir: string, symbols = 100, rowsPerSymbol = 200_000): BenchResult & { peakRssMb: number } {
  const files: string[] = [];
  for (let k = 0; k < symbols; k++) {
    const path = join(cacheDir, `big-${k}.bars`);
    writeBarCache(path, [syntheticSeries(`SYN${String(k).padStart(3, "0")}`, rowsPerSymbol, k + 1)], new RejectLog(), "synthetic");
    files.push(path);
  }
  let peak = process.memoryUsage().rss;
  const t0 = performance.now();
  const src = cachedFilesSource(files);
  let rows = 0;
  let checksum = 0;
  for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) {
    rows += b.length;
    checksum += b.close[b.length - 1];
    if ((rows & 0xfffff) < b.length) peak = Math.max(peak, process.memoryUsage().rss);
  }
  const ms = performance.now() - t0;
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!(checksum > 0)) throw new Error("empty stream");
  return { ...result(rows, ms), peakRssMb: peak / 2 ** 20 };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
const child = process.argv.indexOf("--cached-load-child");
if (isMain && child > 0) {
  console.log(JSON.stringify(timeCachedLoad(process.argv[child + 1], process.argv[child + 2])));
} else if (isMain) {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = resolve(here, "../../shared/data/bars/1min/2024q2");
  const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
  const show = (label: string, r: BenchResult, note: string): void =>
    console.log(`${label.padEnd(30)} ${fmt(r.rows).padStart(11)} rows ${r.ms.toFixed(1).padStart(8)} ms ${fmt(r.rowsPerSec).padStart(13)} rows/s   ${note}`);
  const cacheDir = mkdtempSync(join(tmpdir(), "sizewise-bench-cache-"));
  try {
    // Parse first: this process is cold, as a first `backtest --data` run would be.
    show("parse CSV.gz, cold process", benchParse(dir), "(target >= 3,000,000)");
    show("parse CSV.gz, again", benchParse(dir), "(JIT warm)");
    show("load binary cache, same process", benchCacheLoad(dir, cacheDir), "(target >= 40,000,000)");
    show("load binary cache, cold process", coldCachedLoad(dir, cacheDir), "(a later run: includes page faults, JIT warm-up)");
    if (process.argv.includes("--big")) {
      const big = benchStreamBig(cacheDir);
      show("stream 20M cached bars", big, `(peak RSS ${big.peakRssMb.toFixed(0)} MB; target well under 400)`);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
