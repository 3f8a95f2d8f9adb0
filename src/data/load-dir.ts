import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { BarFormatError } from "./bar-format-error.ts";
import type { BarSeries } from "../core/bars.ts";
import { RejectLog } from "../core/bars.ts";
import { cacheFilePath, defaultCacheDir, readBarCache, writeBarCache } from "./bar-cache.ts";
import { parseBarsCsv } from "./csv-bars.ts";
import { alpacaDailyStamps, dayRangeMs, sliceToDays } from "./day-range.ts";
import { parseBarsJson } from "./json-bars.ts";
import { sha1Hex, SourceHashMemo } from "./source-hash.ts";
import type { BarFileName } from "./source-file.ts";
import { parseBarFileName } from "./source-file.ts";
import { defaultLimits, limitsTag, type PlausibilityLimits } from "./plausibility.ts";

export interface LoadDirOptions {
  /** Only these symbols (case-insensitive). */
  symbols?: readonly string[];
  /** First New York calendar date to keep, YYYY-MM-DD (inclusive). */
  fromDay?: string;
  /** Last New York calendar date to keep, YYYY-MM-DD (inclusive). */
  toDay?: string;
  /** Binary cache folder; undefined means `./state/cache`, null turns the cache off. */
  cacheDir?: string | null;
  onFile?: (doneFiles: number, totalFiles: number) => void;
  /**
   * Plausibility limits every row must meet (plausibility.ts); undefined means the defaults at the
   * current time, null checks the rows' shape only.
   */
  plausibility?: PlausibilityLimits | null;
}

export interface LoadDirResult {
  /** One per symbol with bars in range, sorted by symbol. */
  readonly series: BarSeries[];
  /** Every refused row, including those of cached files (their parse's rejects are stored with them). */
  readonly rejects: RejectLog;
  readonly files: number;
  readonly parsedFiles: number;
  readonly cachedFiles: number;
  /** Files refused whole (not bars at all); each is also one entry in `rejects`. */
  readonly badFiles: number;
  /** Bars across `series`, after the date filter. */
  readonly rows: number;
  /** Requested symbols that no file provided. */
  readonly missingSymbols: string[];
  /** Non-fatal problems, such as a cache entry that could not be written. */
  readonly warnings: string[];
}

export interface BarFile extends BarFileName {
  readonly path: string;
}

/** The bar files of a folder, sorted by name; CSV files are filtered by symbol here, JSON ones after parsing. */
export function listBarFiles(dir: string, symbols?: ReadonlySet<string>): BarFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`bar data path is not a directory: ${dir}`);
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`bar data directory not found: ${dir}`, { cause: e });
    if (code) throw new Error(`cannot read bar data directory ${dir}: ${(e as Error).message}`, { cause: e });
    throw e;
  }
  const out: BarFile[] = [];
  for (const name of names.sort()) {
    const parsed = parseBarFileName(name);
    if (!parsed) continue;
    if (parsed.format === "csv" && symbols && !symbols.has(parsed.symbol.toUpperCase())) continue;
    out.push({ ...parsed, path: join(dir, name) });
  }
  return out;
}

/**
 * Reads files into one reused buffer: the bytes are only hashed and parsed, never kept, and fresh
 * memory for every file costs a page fault per 4 KiB.
 */
export class FileReader {
  private buf = new Uint8Array(0);

  read(path: string): Uint8Array {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (e) {
      throw new Error(`cannot read bar file ${path}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const size = fstatSync(fd).size;
      if (this.buf.length < size) this.buf = new Uint8Array(Math.max(size, this.buf.length * 2));
      let off = 0;
      while (off < size) {
        const n = readSync(fd, this.buf, off, size - off, off);
        if (n <= 0) break;
        off += n;
      }
      return this.buf.subarray(0, off);
    } catch (e) {
      throw new Error(`cannot read bar file ${path}: ${(e as Error).message}`, { cause: e });
    } finally {
      closeSync(fd);
    }
  }
}

/** Parses one source file's bytes. Whole-file format problems throw BarFormatError. */
export function parseBarFile(file: BarFile, bytes: Uint8Array, rejects: RejectLog, limits: PlausibilityLimits | null = null): BarSeries[] {
  if (file.format === "csv") return [parseBarsCsv(bytes, file.path, rejects, file.symbol, limits)];
  return [...parseBarsJson(bytes, file.path, rejects, file.symbol, limits).values()];
}

/** The limits a loader uses: undefined means the defaults now. */
export function resolveLimits(limits: PlausibilityLimits | null | undefined): PlausibilityLimits | null {
  return limits === undefined ? defaultLimits(Date.now()) : limits;
}

/**
 * The cache entry of a source parsed under `limits`: its hash plus the limits' tag, so a changed
 * limit re-parses instead of serving rows checked by the old one.
 */
export function cacheKeyFor(sourceSha1: string, limits: PlausibilityLimits | null): string {
  return `${sourceSha1}-${limitsTag(limits)}`;
}

export interface FileLoad {
  readonly series: BarSeries[];
  readonly rejects: RejectLog;
  readonly fromCache: boolean;
  readonly warning: string | null;
}

/** The cache key of a source file (its SHA-1), reusing a remembered hash when the file's stat is unchanged. */
export function sourceKey(file: BarFile, memo: SourceHashMemo | null, reader: FileReader): { key: string; bytes: Uint8Array | null } {
  const abs = resolve(file.path);
  let st;
  try {
    st = statSync(abs, { bigint: true });
  } catch (e) {
    throw new Error(`cannot read bar file ${file.path}: ${(e as Error).message}`, { cause: e });
  }
  const known = memo?.lookup(abs, st) ?? null;
  if (known !== null) return { key: known, bytes: null };
  const bytes = reader.read(file.path);
  const key = sha1Hex(bytes);
  memo?.remember(abs, st, key, BigInt(Date.now()) * 1_000_000n);
  return { key, bytes };
}

/** Parses a source and stores the result under `cachePath`; a failed write is a warning, not an error. */
export function parseAndCache(file: BarFile, bytes: Uint8Array, cachePath: string, limits: PlausibilityLimits | null = null): FileLoad {
  const rejects = new RejectLog();
  const series = parseBarFile(file, bytes, rejects, limits);
  let warning: string | null = null;
  try {
    writeBarCache(cachePath, series, rejects, file.path);
  } catch (e) {
    warning = `could not write bar cache ${cachePath}: ${(e as Error).message}`;
  }
  return { series, rejects, fromCache: false, warning };
}

/** Loads one file through the cache: hash (or remembered hash), cached columns, else parse and store. */
export function loadBarFile(
  file: BarFile,
  cacheDir: string | null,
  memo: SourceHashMemo | null,
  reader = new FileReader(),
  limits: PlausibilityLimits | null = null,
): FileLoad {
  if (cacheDir === null) {
    const rejects = new RejectLog();
    return { series: parseBarFile(file, reader.read(file.path), rejects, limits), rejects, fromCache: false, warning: null };
  }
  const { key, bytes } = sourceKey(file, memo, reader);
  const cachePath = cacheFilePath(cacheDir, cacheKeyFor(key, limits), file.symbol);
  const hit = readBarCache(cachePath, file.path);
  if (hit) return { series: hit.series, rejects: hit.rejects, fromCache: true, warning: null };
  return parseAndCache(file, bytes ?? reader.read(file.path), cachePath, limits);
}

/**
 * Loads every `SYM.csv[.gz]` / `SYM.json[.gz]` in `dir`: through the binary cache when enabled (a
 * second run skips parsing), filtered by symbol and by New York calendar dates (views, no copy).
 * A missing folder, an unreadable file or two files giving the same symbol throw an error naming the
 * path. A file that is not bars at all is refused (counted in `badFiles` and `rejects`, line 0, and
 * named in `warnings`) and the others load; bad rows are only counted in `rejects`. Rows must be
 * plausible too (`opts.plausibility`): an absurd time, price or jump is refused like a bad row.
 */
export function loadBarDir(dir: string, opts: LoadDirOptions = {}): LoadDirResult {
  const wanted = opts.symbols ? new Set(opts.symbols.map((s) => s.toUpperCase())) : undefined;
  const range = dayRangeMs(opts.fromDay, opts.toDay);
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const files = listBarFiles(dir, wanted);
  const limits = resolveLimits(opts.plausibility);
  const memo = cacheDir === null ? null : new SourceHashMemo(cacheDir);
  const reader = new FileReader();
  const rejects = new RejectLog();
  const warnings: string[] = [];
  const bySymbol = new Map<string, { series: BarSeries; path: string }>();
  let parsedFiles = 0;
  let cachedFiles = 0;
  let badFiles = 0;
  files.forEach((file, i) => {
    let r: FileLoad;
    try {
      r = loadBarFile(file, cacheDir, memo, reader, limits);
    } catch (e) {
      // One file that is not bars at all (wrong columns, corrupt gzip, bad JSON) is refused,
      // counted and named; the other symbols still run.
      if (!(e instanceof BarFormatError)) throw e;
      badFiles++;
      rejects.add(file.path, 0, `file refused: ${e.message}`);
      warnings.push(e.message);
      opts.onFile?.(i + 1, files.length);
      return;
    }
    if (r.fromCache) cachedFiles++;
    else parsedFiles++;
    rejects.merge(r.rejects);
    if (r.warning) warnings.push(r.warning);
    for (const s of r.series) {
      if (wanted && !wanted.has(s.symbol.toUpperCase())) continue;
      const prev = bySymbol.get(s.symbol);
      if (prev) throw new Error(`symbol ${s.symbol} is in two bar files: ${prev.path} and ${file.path}`);
      bySymbol.set(s.symbol, { series: s, path: file.path });
    }
    opts.onFile?.(i + 1, files.length);
  });
  memo?.save();

  const series: BarSeries[] = [];
  let rows = 0;
  for (const sym of [...bySymbol.keys()].sort()) {
    const whole = alpacaDailyStamps(bySymbol.get(sym)!.series);
    const s = range ? sliceToDays(whole, range) : whole;
    if (s.length === 0) continue;
    series.push(s);
    rows += s.length;
  }
  const found = new Set([...bySymbol.keys()].map((s) => s.toUpperCase()));
  const missingSymbols = wanted ? [...wanted].filter((s) => !found.has(s)).sort() : [];
  return { series, rejects, files: files.length, parsedFiles, cachedFiles, badFiles, rows, missingSymbols, warnings };
}
