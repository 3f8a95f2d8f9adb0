import { basename } from "node:path";
import { constants, gunzipSync } from "node:zlib";

export type BarFileFormat = "csv" | "json";

/** A bar file name the loader understands: `SYM.csv`, `SYM.csv.gz`, `SYM.json`, `SYM.json.gz`. */
export interface BarFileName {
  readonly symbol: string;
  readonly format: BarFileFormat;
  readonly gzip: boolean;
}

const BAR_FILE = /^(.+)\.(csv|json)(\.gz)?$/i;

export function parseBarFileName(file: string): BarFileName | null {
  const m = BAR_FILE.exec(basename(file));
  if (!m) return null;
  return { symbol: m[1], format: m[2].toLowerCase() as BarFileFormat, gzip: m[3] !== undefined };
}

/** `dir/AMC.csv.gz` -> `AMC`; names that are not bar files give their base name without extensions. */
export function symbolFromFileName(file: string): string {
  const parsed = parseBarFileName(file);
  if (parsed) return parsed.symbol;
  const base = basename(file);
  const dot = base.indexOf(".");
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Content decides, not the name: a `.csv` that is really gzip still loads. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 256 * 1024 * 1024;

/**
 * Most bytes a bar file may gunzip to. A quarter of 1-minute bars of one symbol is a few MB; a
 * small file that expands to gigabytes (a gzip bomb, or a mislabelled archive) is refused before
 * it can take the machine's memory. A field so tests can lower it.
 */
export const gunzipLimit = { maxBytes: 512 * 1024 * 1024 };

function gunzip(buf: Uint8Array, opts: { chunkSize?: number; finishFlush?: number }): Buffer {
  try {
    return gunzipSync(buf, { ...opts, maxOutputLength: gunzipLimit.maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw new Error(`gzip data expands past ${gunzipLimit.maxBytes} bytes (a bar file is a few MB: refused as a possible gzip bomb)`, { cause: e });
    }
    throw e;
  }
}

function chunkSizeFor(buf: Uint8Array): number {
  const n = buf.length;
  const isize = n >= 18 ? (buf[n - 4] | (buf[n - 3] << 8) | (buf[n - 2] << 16) | (buf[n - 1] << 24)) >>> 0 : 0;
  // The trailer is only a claim: deflate cannot expand more than about 1032:1, so a tiny file
  // claiming 4 GB does not get a 256 MB buffer up front.
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.min(isize + 1, n * 1032)));
}

/**
 * Gunzips when the bytes are gzip, else returns them unchanged; zlib's error on bad gzip data.
 * The output chunk is sized from the gzip trailer (uncompressed size mod 2^32), so zlib writes one
 * buffer instead of concatenating many 16 KiB pieces, which is about a third faster.
 */
export function gunzipIfNeeded(buf: Uint8Array): Uint8Array {
  if (!isGzip(buf)) return buf;
  return gunzip(buf, { chunkSize: chunkSizeFor(buf) });
}

/**
 * Like {@link gunzipIfNeeded}, but a stream that stops early (an interrupted download) yields what
 * it holds, flagged `truncated`, instead of an error: for line-based data the rows before the cut
 * are still good. Corrupt data still throws.
 */
export function gunzipKeepingTruncated(buf: Uint8Array): { data: Uint8Array; truncated: boolean } {
  if (!isGzip(buf)) return { data: buf, truncated: false };
  try {
    return { data: gunzip(buf, { chunkSize: chunkSizeFor(buf) }), truncated: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "Z_BUF_ERROR") throw e;
    return { data: gunzip(buf, { finishFlush: constants.Z_SYNC_FLUSH }), truncated: true };
  }
}
