import type { BarSeries, RejectLog } from "../core/bars.ts";
import { DAY_MS, parseDecimal, parseIsoDateDays, parseIsoTimeOfDayMs, parseIsoUtcMs, scanDecimal, scanState } from "./parse-bytes.ts";
import { BarFormatError } from "./bar-format-error.ts";
import { SeriesBuilder } from "./series-builder.ts";
import type { PlausibilityLimits } from "./plausibility.ts";
import { gunzipKeepingTruncated, symbolFromFileName } from "./source-file.ts";

const NL = 10;
const CR = 13;
const COMMA = 44;

/** Column roles; 0 means "ignored". */
const ROLE_T = 1;
const ROLE_O = 2;
const ROLE_H = 3;
const ROLE_L = 4;
const ROLE_C = 5;
const ROLE_V = 6;

const HEADER_NAMES: Readonly<Record<string, number>> = {
  timestamp: ROLE_T,
  t: ROLE_T,
  open: ROLE_O,
  o: ROLE_O,
  high: ROLE_H,
  h: ROLE_H,
  low: ROLE_L,
  l: ROLE_L,
  close: ROLE_C,
  c: ROLE_C,
  volume: ROLE_V,
  v: ROLE_V,
};
const ROLE_LABEL = ["", "timestamp", "open", "high", "low", "close", "volume"];

interface Header {
  /** Role of each column by position. */
  readonly roles: Uint8Array;
  /** Byte offset of the first data line. */
  readonly bodyStart: number;
  readonly missing: string[];
  readonly text: string;
}

function readHeader(data: Uint8Array): Header {
  let p = 0;
  if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) p = 3;
  let end = p;
  while (end < data.length && data[end] !== NL) end++;
  const text = Buffer.from(data.buffer, data.byteOffset + p, end - p).toString("latin1");
  const names = text.split(",").map((s) => s.trim().replace(/^"(.*)"$/, "$1").trim().toLowerCase());
  const roles = new Uint8Array(names.length);
  const seen = new Set<number>();
  names.forEach((name, i) => {
    const role = HEADER_NAMES[name] ?? 0;
    // A repeated name keeps its first column, so a stray duplicate cannot shadow real data.
    if (role !== 0 && !seen.has(role)) {
      roles[i] = role;
      seen.add(role);
    }
  });
  const missing: string[] = [];
  for (let r = ROLE_T; r <= ROLE_V; r++) if (!seen.has(r)) missing.push(ROLE_LABEL[r]);
  return { roles, bodyStart: end + 1, missing, text: text.length > 200 ? `${text.slice(0, 200)}...` : text.trim() };
}

/** Consecutive bars mostly share a date, so its day number is reused when the 10 date bytes match. */
function sameDate(data: Uint8Array, a: number, b: number): boolean {
  return (
    data[a + 9] === data[b + 9] && data[a + 8] === data[b + 8] && data[a + 6] === data[b + 6] && data[a + 5] === data[b + 5] &&
    data[a + 3] === data[b + 3] && data[a + 2] === data[b + 2] && data[a + 1] === data[b + 1] && data[a] === data[b] &&
    data[a + 4] === data[b + 4] && data[a + 7] === data[b + 7]
  );
}

/**
 * `THH:MM:SS.fffZ` at q + 10 (Alpaca's spelling, the common case) as ms into the day, or NaN.
 * Straight-line code for the hot path; anything else goes to the general parser.
 */
function millisTime24(data: Uint8Array, q: number): number {
  const h1 = data[q + 11] - 48;
  const h2 = data[q + 12] - 48;
  const m1 = data[q + 14] - 48;
  const m2 = data[q + 15] - 48;
  const s1 = data[q + 17] - 48;
  const s2 = data[q + 18] - 48;
  const f1 = data[q + 20] - 48;
  const f2 = data[q + 21] - 48;
  const f3 = data[q + 22] - 48;
  if (
    data[q + 10] !== 84 || data[q + 13] !== 58 || data[q + 16] !== 58 || data[q + 19] !== 46 || data[q + 23] !== 90 ||
    h1 >>> 0 > 2 || h2 >>> 0 > 9 || m1 >>> 0 > 5 || m2 >>> 0 > 9 || s1 >>> 0 > 5 || s2 >>> 0 > 9 ||
    f1 >>> 0 > 9 || f2 >>> 0 > 9 || f3 >>> 0 > 9
  ) return parseIsoTimeOfDayMs(data, q + 10, q + 24);
  const hh = h1 * 10 + h2;
  if (hh > 23) return NaN;
  return ((hh * 60 + m1 * 10 + m2) * 60 + s1 * 10 + s2) * 1000 + f1 * 100 + f2 * 10 + f3;
}

/** Where the last {@link slowField} call stopped (shared slot so it can return a bare number). */
const slowState = { end: 0 };

/** Off the hot path: a field the fast readers did not accept is re-read over its full extent. */
function slowField(data: Uint8Array, q: number, end: number, isTime: boolean): number {
  let e = q;
  while (e < end && data[e] !== COMMA) e++;
  slowState.end = e;
  return isTime ? parseIsoUtcMs(data, q, e) : parseDecimal(data, q, e);
}

/**
 * Parses Alpaca-style bar CSV (gzip or plain) into a validated series. Columns are found by header
 * name (timestamp|t, open|o, high|h, low|l, close|c, volume|v; others ignored). Bad rows go to
 * `rejects` with their 1-based line and the rest still load; only a file that cannot be bars at all
 * (empty, corrupt gzip, or a header without the needed columns) throws a {@link BarFormatError}.
 * A gzip stream cut short keeps the rows before the cut and adds one reject saying so. With
 * `limits`, well-formed rows must also be plausible (time, session, price, jump: plausibility.ts).
 */
export function parseBarsCsv(
  buf: Uint8Array,
  file: string,
  rejects: RejectLog,
  symbol = symbolFromFileName(file),
  limits: PlausibilityLimits | null = null,
): BarSeries {
  let raw: Uint8Array;
  let truncated: boolean;
  try {
    ({ data: raw, truncated } = gunzipKeepingTruncated(buf));
  } catch (e) {
    throw new BarFormatError(file, `gzip data is corrupt (${(e as Error).message})`, { cause: e });
  }
  // Buffer#indexOf is memchr; the plain Uint8Array method is several times slower.
  const data = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = data.length;
  if (n === 0) throw new BarFormatError(file, "empty file (expected a header line naming timestamp,open,high,low,close,volume)");
  const header = readHeader(data);
  if (header.missing.length > 0) {
    throw new BarFormatError(file, `header lacks column(s) ${header.missing.join(", ")} (header: ${JSON.stringify(header.text)})`);
  }
  const start = header.bodyStart;
  const firstEol = data.indexOf(NL, start);
  const firstLen = (firstEol < 0 ? n : firstEol) - start + 1;
  // Sized from the first data line so the columns rarely grow.
  const builder = new SeriesBuilder(symbol, file, rejects, ((n - start) / Math.max(16, firstLen)) * 1.05 + 16, limits);
  const lines = parseBody(data, start, header.roles, builder);
  if (truncated) builder.reject(lines + 1, "gzip data ends early (file cut short?)");
  return builder.build();
}

/**
 * The row loop, kept apart from the setup so that the optimizing compiler sees only this (a
 * smaller function compiles sooner, which matters on the first file of a cold run). No string or
 * object is made per row.
 */
function parseBody(data: Buffer, p: number, roles: Uint8Array, builder: SeriesBuilder): number {
  const n = data.length;
  const nFields = roles.length;
  let lastNeeded = 0;
  for (let i = 0; i < nFields; i++) if (roles[i] !== 0) lastNeeded = i;
  let line = 1;
  // Timestamps in one file nearly always share a length, so guess it and verify rather than scan.
  let tLen = 24;
  // Start of the last good timestamp (its date bytes are the reference) and that date in epoch ms.
  let dateAt = -1;
  let dateMs = 0;
  while (p < n) {
    line++;
    let eol = data.indexOf(NL, p);
    if (eol < 0) eol = n;
    let end = eol;
    if (end > p && data[end - 1] === CR) end--;
    if (end === p) {
      p = eol + 1;
      continue;
    }
    let t = NaN;
    let o = NaN;
    let h = NaN;
    let l = NaN;
    let c = NaN;
    let v = NaN;
    let q = p;
    let f = 0;
    let ended = false;
    for (; f <= lastNeeded; f++) {
      const role = roles[f];
      if (role === ROLE_T) {
        let e = q + tLen;
        let known = false;
        t = NaN;
        if (e <= end && (e === end || data[e] === COMMA)) {
          known = dateAt >= 0 && sameDate(data, q, dateAt);
          t = known ? dateMs + (tLen === 24 ? millisTime24(data, q) : parseIsoTimeOfDayMs(data, q + 10, e)) : parseIsoUtcMs(data, q, e);
        }
        if (t !== t) {
          t = slowField(data, q, end, true);
          e = slowState.end;
          if (t === t) tLen = e - q;
        }
        if (t === t && !known) {
          dateAt = q;
          dateMs = parseIsoDateDays(data, q) * DAY_MS;
        }
        q = e;
      } else if (role !== 0) {
        let x = scanDecimal(data, q, end);
        let e = scanState.end;
        if (e !== end && data[e] !== COMMA) {
          x = slowField(data, q, end, false);
          e = slowState.end;
        }
        q = e;
        if (role === ROLE_O) o = x;
        else if (role === ROLE_H) h = x;
        else if (role === ROLE_L) l = x;
        else if (role === ROLE_C) c = x;
        else v = x;
      } else {
        while (q < end && data[q] !== COMMA) q++;
      }
      // q sits on the comma after this field, or on the line end.
      if (q >= end) {
        ended = true;
        f++;
        break;
      }
      q++;
    }
    p = eol + 1;
    if (eol === n && f > lastNeeded) {
      // Columns past the last needed one are skipped unread, except on an unterminated last line:
      // that is where an interrupted write leaves a row cut short, so there they are counted.
      if (!ended) {
        f++;
        while (q < end) if (data[q++] === COMMA) f++;
      }
      if (f < nFields) f = -1;
    }
    if (f <= lastNeeded) builder.reject(line, "missing fields (truncated line?)");
    else builder.add(line, t, o, h, l, c, v);
  }
  return line;
}
