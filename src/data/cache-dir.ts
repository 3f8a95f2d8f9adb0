import { RejectLog } from "../core/bars.ts";
import { cacheFilePath, defaultCacheDir, readBarCacheLayout } from "./bar-cache.ts";
import { cacheKeyFor, FileReader, listBarFiles, parseAndCache, resolveLimits, sourceKey } from "./load-dir.ts";
import type { PlausibilityLimits } from "./plausibility.ts";
import { SourceHashMemo } from "./source-hash.ts";

export interface PrepareCacheOptions {
  /** Only files of these symbols (JSON files are always taken; filter them when streaming). */
  symbols?: readonly string[];
  /** Defaults to `./state/cache`. */
  cacheDir?: string;
  onFile?: (doneFiles: number, totalFiles: number) => void;
  /** As in loadBarDir: undefined means the default limits now, null shape checks only. */
  plausibility?: PlausibilityLimits | null;
}

export interface PreparedCache {
  /** One cache file per source file, in source-name order: the input of cachedFilesSource. */
  readonly cacheFiles: string[];
  readonly rejects: RejectLog;
  readonly files: number;
  readonly parsedFiles: number;
  readonly cachedFiles: number;
  /** Bars in the cache files (before any symbol or date filter). */
  readonly rows: number;
}

/**
 * Makes sure every bar file of `dir` has a binary cache entry, parsing only those without one and
 * never holding more than one file's bars, then lists the entries for a streaming source. A hit
 * reads only the entry's header.
 */
export function prepareBarCache(dir: string, opts: PrepareCacheOptions = {}): PreparedCache {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const wanted = opts.symbols ? new Set(opts.symbols.map((s) => s.toUpperCase())) : undefined;
  const files = listBarFiles(dir, wanted);
  const limits = resolveLimits(opts.plausibility);
  const memo = new SourceHashMemo(cacheDir);
  const reader = new FileReader();
  const rejects = new RejectLog();
  const cacheFiles: string[] = [];
  let parsedFiles = 0;
  let rows = 0;
  files.forEach((file, i) => {
    const { key, bytes } = sourceKey(file, memo, reader);
    const path = cacheFilePath(cacheDir, cacheKeyFor(key, limits), file.symbol);
    const layout = readBarCacheLayout(path, file.path);
    if (layout) {
      rejects.merge(layout.rejects);
      for (const s of layout.series) rows += s.rows;
    } else {
      parsedFiles++;
      const r = parseAndCache(file, bytes ?? reader.read(file.path), path, limits);
      rejects.merge(r.rejects);
      for (const s of r.series) rows += s.length;
      if (r.warning) throw new Error(`${r.warning} (streaming needs the cache)`);
    }
    cacheFiles.push(path);
    opts.onFile?.(i + 1, files.length);
  });
  memo.save();
  return { cacheFiles, rejects, files: files.length, parsedFiles, cachedFiles: files.length - parsedFiles, rows };
}
