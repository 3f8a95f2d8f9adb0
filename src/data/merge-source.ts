import type { BarSeries, BarSource } from "../core/bars.ts";
import { planCacheStream } from "./cache-stream.ts";
import { dayRangeMs } from "./day-range.ts";
import { KWayMerge, MergeLane } from "./merge-core.ts";

export const DEFAULT_BATCH_SIZE = 65536;

/**
 * Merges in-memory series into one time-ordered stream of {@link BarBatch} chunks; equal times come
 * in series order (symId = index in `series`). One batch buffer is reused for the whole run.
 */
export function seriesSource(series: readonly BarSeries[], batchSize = DEFAULT_BATCH_SIZE): BarSource {
  const lanes = series.map((s) => new MergeLane(s.tMs, s.open, s.high, s.low, s.close, s.volume, s.length));
  const total = series.reduce((a, s) => a + s.length, 0);
  return new KWayMerge(
    series.map((s) => s.symbol),
    lanes,
    null,
    total,
    batchSize,
  );
}

export interface CachedFilesSourceOptions {
  /** Only these symbols (case-insensitive). */
  symbols?: readonly string[];
  /** New York calendar dates, YYYY-MM-DD inclusive, as in loadBarDir. */
  fromDay?: string;
  toDay?: string;
  batchSize?: number;
  /** Rows per column held in memory per symbol; by default up to 4096, less when there are many symbols. */
  chunkRows?: number;
}

/**
 * Streams bar cache files (as written by the loader) without loading them: each symbol's columns
 * are read a chunk at a time, so memory stays bounded however many bars there are. Symbols are
 * ordered by name, so for the same data and range the stream equals
 * `seriesSource(loadBarDir(...).series)`. Throws, naming the path, for a file that is not a valid
 * cache file. Files stay open until the stream ends or `close()` is called.
 */
export function cachedFilesSource(cacheFiles: readonly string[], opts: CachedFilesSourceOptions = {}): BarSource {
  const plan = planCacheStream(cacheFiles, {
    symbols: opts.symbols ? new Set(opts.symbols.map((s) => s.toUpperCase())) : undefined,
    range: dayRangeMs(opts.fromDay, opts.toDay),
    chunkRows: opts.chunkRows,
  });
  try {
    return new KWayMerge(plan.symbols, plan.lanes, plan.refill, plan.totalBars, opts.batchSize ?? DEFAULT_BATCH_SIZE, plan.close);
  } catch (e) {
    plan.close();
    throw e;
  }
}
