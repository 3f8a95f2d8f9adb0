import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { BarSeries } from "../core/bars.ts";

/**
 * Alpaca's 1-minute bar CSV, as in the shared market data:
 * `timestamp,open,high,low,close,volume,trade_count,vwap` with ISO-8601 UTC timestamps with
 * milliseconds (`2024-04-01T08:03:00.000Z`), numbers in their shortest form, `\n` line ends.
 * Series carry no trade count or VWAP, so both are synthesised: about one trade per 150 shares,
 * and the bar's typical price (h + l + c) / 3 to 6 decimals, which always lies within [low, high].
 */
export const ALPACA_CSV_HEADER = "timestamp,open,high,low,close,volume,trade_count,vwap";

export interface WriteCsvOptions {
  /** Gzip the file. Default: whether the path ends in `.gz`. */
  readonly gzip?: boolean;
}

const ROWS_PER_CHUNK = 16_384;
const DAY_MS = 86_400_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Rows `[from, to)` as CSV text, each line ending in `\n`. */
function rows(s: BarSeries, from: number, to: number): string {
  let out = "";
  // ISO formatting via Date costs more than the rest of a row; whole minutes reuse the day's prefix.
  let dayStart = Number.NaN;
  let prefix = "";
  for (let i = from; i < to; i++) {
    const t = s.tMs[i];
    let ts: string;
    if (t % 60_000 === 0 && t >= dayStart && t < dayStart + DAY_MS) {
      const minute = (t - dayStart) / 60_000;
      ts = `${prefix}${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}:00.000Z`;
    } else {
      ts = new Date(t).toISOString();
      dayStart = t - (t % DAY_MS);
      prefix = ts.slice(0, 11);
    }
    const h = s.high[i];
    const l = s.low[i];
    const c = s.close[i];
    const v = s.volume[i];
    const trades = Math.min(v, Math.max(1, Math.round(v / 150)));
    const vwap = Math.min(h, Math.max(l, Math.round(((h + l + c) / 3) * 1e6) / 1e6));
    out += `${ts},${s.open[i]},${h},${l},${c},${v},${trades},${vwap}\n`;
  }
  return out;
}

function* chunks(s: BarSeries): Generator<string> {
  yield `${ALPACA_CSV_HEADER}\n`;
  for (let i = 0; i < s.length; i += ROWS_PER_CHUNK) yield rows(s, i, Math.min(s.length, i + ROWS_PER_CHUNK));
}

/** The whole series as Alpaca CSV text (header included). For big series prefer `writeAlpacaCsv`. */
export function seriesToAlpacaCsv(series: BarSeries): string {
  let out = "";
  for (const c of chunks(series)) out += c;
  return out;
}

/**
 * Writes one series as an Alpaca CSV file, optionally gzipped. Rows are produced and written in
 * chunks of 16,384 with backpressure, so memory stays bounded whatever the series length.
 */
export async function writeAlpacaCsv(series: BarSeries, path: string, opts: WriteCsvOptions = {}): Promise<void> {
  const gzip = opts.gzip ?? path.endsWith(".gz");
  const source = Readable.from(chunks(series));
  const sink = createWriteStream(path);
  if (gzip) await pipeline(source, createGzip(), sink);
  else await pipeline(source, sink);
}
