import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { BarSeries } from "../core/bars.ts";
import { RejectLog } from "../core/bars.ts";
import { DIR_MODE, FILE_MODE } from "../io/atomic-file.ts";

/**
 * Binary bar cache: one file per source file, holding every series parsed from it.
 *
 *   0   8 bytes  magic "SZWBARS\0"
 *   8   u32      format version
 *   12  u32      meta length in bytes
 *   16  f64      total file length (a short or padded file is refused)
 *   24  meta     JSON: source name, rejects of the parse, and per series symbol/rows/first/last time
 *   ..  padding  spaces up to a multiple of 8
 *   then per series, six contiguous float64 columns: tMs, open, high, low, close, volume
 *
 * Numbers are in the machine's byte order (the columns are handed out as Float64Array views with no
 * per-row work); a file from a machine of the other order fails the version check and is re-parsed.
 */
export const CACHE_FORMAT_VERSION = 1;
const MAGIC = "SZWBARS\0";
const HEADER_BYTES = 24;
const COLUMNS = 6;
const MAX_META_BYTES = 16 * 1024 * 1024;

interface StoredRejects {
  count: number;
  byReason: Record<string, number>;
  samples: { file: string; line: number; reason: string }[];
}
interface CacheMeta {
  source: string;
  rejects: StoredRejects;
  series: { symbol: string; rows: number; firstMs: number | null; lastMs: number | null }[];
}

// Checked by hand rather than with a schema library: this runs on every cached load, where a
// cold schema compile would cost more than reading the columns of a small file.
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const isCount = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
const isTimeOrNull = (x: unknown): boolean => x === null || Number.isFinite(x);

function isCacheMeta(x: unknown): x is CacheMeta {
  if (!isObj(x) || typeof x.source !== "string" || !isObj(x.rejects) || !Array.isArray(x.series)) return false;
  const r = x.rejects;
  if (!isCount(r.count) || !isObj(r.byReason) || !Array.isArray(r.samples)) return false;
  if (!Object.values(r.byReason).every(isCount)) return false;
  if (!r.samples.every((s) => isObj(s) && typeof s.file === "string" && Number.isInteger(s.line) && typeof s.reason === "string")) return false;
  return x.series.every(
    (s) => isObj(s) && typeof s.symbol === "string" && s.symbol !== "" && isCount(s.rows) && isTimeOrNull(s.firstMs) && isTimeOrNull(s.lastMs),
  );
}

/** Where one series' columns sit in a cache file. */
export interface CachedSeriesLayout {
  readonly symbol: string;
  readonly rows: number;
  /** Byte offset of the tMs column; column c (tMs, open, high, low, close, volume) starts at offset + c * rows * 8. */
  readonly offset: number;
  readonly firstMs: number | null;
  readonly lastMs: number | null;
}

export interface CacheLayout {
  readonly path: string;
  readonly source: string;
  readonly rejects: RejectLog;
  readonly series: readonly CachedSeriesLayout[];
}

export interface CacheEntry {
  readonly series: BarSeries[];
  /** The rejects of the parse that produced the entry, so a cached run still reports them. */
  readonly rejects: RejectLog;
}

/** `<stateDir>/cache`, with stateDir defaulting to ./state. */
export function defaultCacheDir(stateDir = "state"): string {
  return resolve(stateDir, "cache");
}

/**
 * The cache file for a source whose bytes hash to `sha1Hex`. The format version is part of the
 * name, and so is the file-name symbol: a CSV's symbol comes from its name, so two files with the
 * same bytes under different names are different entries.
 */
export function cacheFilePath(cacheDir: string, sha1Hex: string, fileSymbol: string): string {
  return join(cacheDir, `${sha1Hex}.${fileSymbol}.v${CACHE_FORMAT_VERSION}.bars`);
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Rebuilds a parse's RejectLog; samples recorded under the old source path are shown under `sourcePath`. */
function rejectLogFrom(data: StoredRejects, oldSource: string, sourcePath: string | undefined): RejectLog {
  const log = new RejectLog();
  log.count = data.count;
  for (const [reason, n] of Object.entries(data.byReason)) log.byReason.set(reason, n);
  for (const s of data.samples) {
    if (log.samples.length >= log.maxSamples) break;
    const file = sourcePath !== undefined && s.file.startsWith(oldSource) ? sourcePath + s.file.slice(oldSource.length) : s.file;
    log.samples.push({ file, line: s.line, reason: s.reason });
  }
  return log;
}

/**
 * Writes series to `path` atomically (temp file + rename), so a reader never sees half a file.
 * `rejects` are those of the parse that produced the series.
 */
export function writeBarCache(path: string, series: readonly BarSeries[], rejects: RejectLog, source: string): void {
  const meta: CacheMeta = {
    source,
    rejects: rejects.toJSON(),
    series: series.map((s) => ({
      symbol: s.symbol,
      rows: s.length,
      firstMs: s.length > 0 ? s.tMs[0] : null,
      lastMs: s.length > 0 ? s.tMs[s.length - 1] : null,
    })),
  };
  const metaBytes = Buffer.from(JSON.stringify(meta), "utf8");
  const dataStart = align8(HEADER_BYTES + metaBytes.length);
  let total = dataStart;
  for (const s of series) total += s.length * 8 * COLUMNS;

  // A fresh ArrayBuffer, so the typed views below are aligned whatever Buffer pooling does.
  const head = new Uint8Array(new ArrayBuffer(dataStart)).fill(0x20);
  for (let i = 0; i < MAGIC.length; i++) head[i] = MAGIC.charCodeAt(i);
  new Uint32Array(head.buffer, 8, 2).set([CACHE_FORMAT_VERSION, metaBytes.length]);
  new Float64Array(head.buffer, 16, 1)[0] = total;
  head.set(metaBytes, HEADER_BYTES);

  // The cache usually sits in the state folder, which holds nothing others may list or read.
  mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "w", FILE_MODE);
  try {
    writeAll(fd, head);
    for (const s of series) {
      for (const col of [s.tMs, s.open, s.high, s.low, s.close, s.volume]) {
        writeAll(fd, new Uint8Array(col.buffer, col.byteOffset, s.length * 8));
      }
    }
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

function readFully(fd: number, into: Uint8Array, position: number): number {
  let off = 0;
  while (off < into.length) {
    const n = readSync(fd, into, off, into.length - off, position + off);
    if (n <= 0) break;
    off += n;
  }
  return off;
}

/** Meta length from the fixed header, or -1 when this is not a complete cache file of this version. */
function fixedHeaderMetaLen(bytes: Uint8Array, fileBytes: number): number {
  if (bytes.length < HEADER_BYTES) return -1;
  const head = new Uint8Array(HEADER_BYTES);
  head.set(bytes.subarray(0, HEADER_BYTES));
  for (let i = 0; i < MAGIC.length; i++) if (head[i] !== MAGIC.charCodeAt(i)) return -1;
  const [version, metaLen] = new Uint32Array(head.buffer, 8, 2);
  const declared = new Float64Array(head.buffer, 16, 1)[0];
  if (version !== CACHE_FORMAT_VERSION || metaLen > MAX_META_BYTES || declared !== fileBytes) return -1;
  return metaLen;
}

/** The layout described by header + meta in `bytes` (at least HEADER_BYTES + metaLen long), or null. */
function parseLayout(bytes: Uint8Array, metaLen: number, fileBytes: number, path: string, sourcePath?: string): CacheLayout | null {
  let meta: CacheMeta;
  try {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + HEADER_BYTES, metaLen).toString("utf8");
    const parsed: unknown = JSON.parse(text);
    if (!isCacheMeta(parsed)) return null;
    meta = parsed;
  } catch {
    return null;
  }
  let offset = align8(HEADER_BYTES + metaLen);
  const series: CachedSeriesLayout[] = [];
  for (const s of meta.series) {
    series.push({ symbol: s.symbol, rows: s.rows, offset, firstMs: s.firstMs, lastMs: s.lastMs });
    offset += s.rows * 8 * COLUMNS;
  }
  if (offset !== fileBytes) return null;
  return { path, source: meta.source, rejects: rejectLogFrom(meta.rejects, meta.source, sourcePath), series };
}

/**
 * Loads a cache file: one read into one ArrayBuffer, then Float64Array views, no per-row work.
 * Returns null when the file is missing, short, of another version or otherwise not trustworthy;
 * the caller then re-parses the source. `sourcePath` relabels stored reject samples (the source
 * may have moved since it was parsed).
 */
export function readBarCache(path: string, sourcePath?: string): CacheEntry | null {
  return withCacheFile(path, (fd, size) => {
    if (size < HEADER_BYTES) return null;
    const all = new Uint8Array(new ArrayBuffer(size));
    if (readFully(fd, all, 0) !== size) return null;
    const metaLen = fixedHeaderMetaLen(all, size);
    if (metaLen < 0 || size < HEADER_BYTES + metaLen) return null;
    const layout = parseLayout(all, metaLen, size, path, sourcePath);
    if (!layout) return null;
    const series: BarSeries[] = [];
    for (const s of layout.series) {
      const col = (c: number): Float64Array => new Float64Array(all.buffer, s.offset + c * s.rows * 8, s.rows);
      const tMs = col(0);
      // Cheap guard against a file whose columns do not line up with its header.
      if (s.rows > 0 && (tMs[0] !== s.firstMs || tMs[s.rows - 1] !== s.lastMs)) return null;
      series.push({ symbol: s.symbol, length: s.rows, tMs, open: col(1), high: col(2), low: col(3), close: col(4), volume: col(5) });
    }
    return { series, rejects: layout.rejects };
  });
}

/** Opens a cache file and hands its descriptor and size to `read`; a missing file is null, like any untrusted one. */
function withCacheFile<T>(path: string, read: (fd: number, size: number) => T | null): T | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    return read(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** Reads only a cache file's header and layout (for streaming its columns); null when not a valid cache file. */
export function readBarCacheLayout(path: string, sourcePath?: string): CacheLayout | null {
  return withCacheFile(path, (fd, size) => {
    const fixed = new Uint8Array(HEADER_BYTES);
    if (readFully(fd, fixed, 0) !== HEADER_BYTES) return null;
    const metaLen = fixedHeaderMetaLen(fixed, size);
    if (metaLen < 0 || size < HEADER_BYTES + metaLen) return null;
    const head = new Uint8Array(HEADER_BYTES + metaLen);
    if (readFully(fd, head, 0) !== head.length) return null;
    return parseLayout(head, metaLen, size, path, sourcePath);
  });
}
