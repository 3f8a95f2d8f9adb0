import { closeSync, openSync, readSync } from "node:fs";
import type { CacheLayout, CachedSeriesLayout } from "./bar-cache.ts";
import { readBarCacheLayout } from "./bar-cache.ts";
import type { TimeRange } from "./day-range.ts";
import { MergeLane } from "./merge-core.ts";

const COLUMNS = 6;
/**
 * Buffers of all lanes together stay under this unless chunkRows is given. Small enough that the
 * merge reads from cache rather than memory: with 100 symbols, 4096-row chunks streamed 20M bars
 * about twice as fast as 16384-row ones here, for ~6x fewer bytes held.
 */
const DEFAULT_BUFFER_BUDGET_BYTES = 16 * 1024 * 1024;
const MAX_CHUNK_ROWS = 4096;
const MIN_CHUNK_ROWS = 256;

/** One series of a cache file, narrowed to a row range, read a chunk at a time. */
interface StreamLane {
  readonly fd: number;
  readonly layout: CachedSeriesLayout;
  nextRow: number;
  readonly endRow: number;
  /** Six column buffers of chunkRows each, over one ArrayBuffer. */
  readonly bufs: Float64Array[];
}

export interface StreamPlan {
  readonly symbols: string[];
  readonly lanes: MergeLane[];
  readonly totalBars: number;
  readonly refill: (i: number) => boolean;
  readonly close: () => void;
}

function readFloat64s(fd: number, into: Float64Array, count: number, position: number, path: string): void {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, count * 8);
  let off = 0;
  while (off < bytes.length) {
    const n = readSync(fd, bytes, off, bytes.length - off, position + off);
    if (n <= 0) throw new Error(`bar cache file ${path} ended early (changed while streaming?)`);
    off += n;
  }
}

/** First row in [lo, hi) whose on-disk time is >= t: a binary search of 8-byte reads. */
function diskLowerBound(fd: number, s: CachedSeriesLayout, t: number, lo: number, hi: number, path: string): number {
  const one = new Float64Array(1);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    readFloat64s(fd, one, 1, s.offset + mid * 8, path);
    if (one[0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface StreamOptions {
  readonly symbols?: ReadonlySet<string>;
  readonly range?: TimeRange | null;
  readonly chunkRows?: number;
}

/**
 * Opens cache files for streaming: every series becomes a lane (sorted by symbol, as loadBarDir
 * sorts), narrowed to the time range, holding only `chunkRows` rows per column in memory.
 */
export function planCacheStream(paths: readonly string[], opts: StreamOptions = {}): StreamPlan {
  const fds: number[] = [];
  const closeAll = (): void => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  try {
    const picked: { layout: CachedSeriesLayout; fd: number; path: string; from: number; to: number }[] = [];
    const seen = new Map<string, string>();
    for (const path of paths) {
      const layout: CacheLayout | null = readBarCacheLayout(path);
      if (!layout) throw new Error(`not a readable bar cache file (missing, corrupt or another version): ${path}`);
      const fd = openSync(path, "r");
      fds.push(fd);
      for (const s of layout.series) {
        if (opts.symbols && !opts.symbols.has(s.symbol.toUpperCase())) continue;
        const prev = seen.get(s.symbol);
        if (prev) throw new Error(`symbol ${s.symbol} is in two bar cache files: ${prev} and ${path}`);
        seen.set(s.symbol, path);
        let from = 0;
        let to = s.rows;
        const range = opts.range;
        if (range && s.rows > 0) {
          if (s.firstMs !== null && s.firstMs < range.fromMs) from = diskLowerBound(fd, s, range.fromMs, 0, s.rows, path);
          if (s.lastMs !== null && s.lastMs >= range.toMs) to = diskLowerBound(fd, s, range.toMs, from, s.rows, path);
        }
        if (to > from) picked.push({ layout: s, fd, path, from, to });
      }
    }
    picked.sort((a, b) => (a.layout.symbol < b.layout.symbol ? -1 : a.layout.symbol > b.layout.symbol ? 1 : 0));

    const budgetRows = Math.floor(DEFAULT_BUFFER_BUDGET_BYTES / (COLUMNS * 8 * Math.max(1, picked.length)));
    const chunk = opts.chunkRows ?? Math.max(MIN_CHUNK_ROWS, Math.min(MAX_CHUNK_ROWS, budgetRows));
    if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`chunkRows must be a positive integer (got ${chunk})`);

    const streams: StreamLane[] = [];
    const lanes: MergeLane[] = [];
    let totalBars = 0;
    for (const p of picked) {
      const ab = new ArrayBuffer(COLUMNS * chunk * 8);
      const bufs = Array.from({ length: COLUMNS }, (_, c) => new Float64Array(ab, c * chunk * 8, chunk));
      streams.push({ fd: p.fd, layout: p.layout, nextRow: p.from, endRow: p.to, bufs });
      // Empty until the first refill, which the merge asks for at once.
      lanes.push(new MergeLane(bufs[0], bufs[1], bufs[2], bufs[3], bufs[4], bufs[5], 0));
      totalBars += p.to - p.from;
    }
    const pathOf = new Map(picked.map((p) => [p.fd, p.path]));
    const refill = (i: number): boolean => {
      const s = streams[i];
      const k = Math.min(chunk, s.endRow - s.nextRow);
      if (k <= 0) return false;
      const { rows, offset } = s.layout;
      for (let c = 0; c < COLUMNS; c++) readFloat64s(s.fd, s.bufs[c], k, offset + (c * rows + s.nextRow) * 8, pathOf.get(s.fd) ?? "");
      s.nextRow += k;
      const lane = lanes[i];
      lane.pos = 0;
      lane.end = k;
      return true;
    };
    return { symbols: picked.map((p) => p.layout.symbol), lanes, totalBars, refill, close: closeAll };
  } catch (e) {
    closeAll();
    throw e;
  }
}
