/**
 * Number and timestamp parsers that read straight from bytes, so a CSV loader can walk a Buffer
 * without making a string per field. Both return NaN for anything they do not accept; the caller
 * turns NaN into a rejected row.
 */

const TWO_POW_53 = 9007199254740992;

/** 10^0 .. 10^22: every one of these is exactly representable as a double. */
const POW10: Float64Array = (() => {
  const p = new Float64Array(23);
  p[0] = 1;
  for (let i = 1; i < 23; i++) p[i] = p[i - 1] * 10;
  return p;
})();

const SLOW_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Rare inputs (exponents, long mantissas, quotes, spaces) take the string route. */
function parseDecimalSlow(buf: Uint8Array, start: number, end: number): number {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  s = s.trim();
  if (s.length >= 2 && s.charCodeAt(0) === 34 && s.charCodeAt(s.length - 1) === 34) s = s.slice(1, -1).trim();
  return SLOW_NUMBER.test(s) ? Number.parseFloat(s) : Number.NaN;
}

/** Where the last scanDecimal stopped: a shared slot lets the scanner return a bare number. */
export const scanState = { end: 0 };

/**
 * Reads `[+-]digits[.digits]` from `p` (not past `limit`) and stops at the first other byte,
 * leaving its position in {@link scanState}.end. NaN when there are no digits.
 *
 * Exactness: with the digits as an integer mantissa m < 2^53 and k <= 22 digits after the point,
 * m / 10^k is one correctly rounded IEEE division of two exact values, so the result is
 * bit-identical to parseFloat. Up to 9 digits the mantissa fits int32, so it is built with
 * wrapping integer arithmetic (no overflow checks in the hot loop); longer numbers are redone in
 * doubles, and past 2^53 or 22 decimals parseFloat decides.
 */
export function scanDecimal(buf: Uint8Array, p: number, limit: number): number {
  const start = p;
  let neg = false;
  let b = p < limit ? buf[p] : 0;
  if (b === 45 || b === 43) {
    neg = b === 45;
    p++;
  }
  let m = 0;
  let count = 0;
  while (p < limit) {
    b = buf[p] - 48;
    if (b < 0 || b > 9) break;
    m = (m * 10 + b) | 0;
    count++;
    p++;
  }
  let frac = 0;
  if (p < limit && buf[p] === 46) {
    p++;
    while (p < limit) {
      b = buf[p] - 48;
      if (b < 0 || b > 9) break;
      m = (m * 10 + b) | 0;
      frac++;
      p++;
    }
  }
  scanState.end = p;
  const digits = count + frac;
  if (digits === 0) return Number.NaN;
  // Past 9 digits the int32 mantissa may have wrapped; redo the digits in doubles.
  if (digits > 9) return wideDecimal(buf, start, p);
  const v = frac === 0 ? m : m / POW10[frac];
  return neg ? -v : v;
}

/** {@link scanDecimal} for long numbers over a known extent `[start, end)` of sign, digits and at most one point. */
function wideDecimal(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  const neg = buf[p] === 45;
  if (neg || buf[p] === 43) p++;
  let m = 0;
  let frac = 0;
  let seenPoint = false;
  for (; p < end; p++) {
    const b = buf[p];
    if (b === 46) seenPoint = true;
    else {
      m = m * 10 + (b - 48);
      if (seenPoint) frac++;
    }
  }
  if (m >= TWO_POW_53 || frac > 22) return parseDecimalSlow(buf, start, end);
  const v = frac === 0 ? m : m / POW10[frac];
  return neg ? -v : v;
}

/** Parses the whole of `buf[start, end)` as a decimal (exponents, quotes and spaces via parseFloat); NaN if it is not one. */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  const v = scanDecimal(buf, start, end);
  return scanState.end === end ? v : parseDecimalSlow(buf, start, end);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Two ASCII digits at i as a number, or -1000 when either is not a digit (keeps sums negative). */
function d2(buf: Uint8Array, i: number): number {
  const a = buf[i] - 48;
  const b = buf[i + 1] - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1000;
  return a * 10 + b;
}

export const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` at `i` (10 bytes, caller checks bounds) as days since 1970-01-01, or NaN for an impossible date. */
export function parseIsoDateDays(buf: Uint8Array, i: number): number {
  const yHi = d2(buf, i);
  const yLo = d2(buf, i + 2);
  const mo = d2(buf, i + 5);
  const d = d2(buf, i + 8);
  if (buf[i + 4] !== 45 || buf[i + 7] !== 45 || yHi < 0 || yLo < 0 || mo < 1 || mo > 12 || d < 1) return Number.NaN;
  const y = yHi * 100 + yLo;
  if (d > DAYS_IN_MONTH[mo] || (mo === 2 && d === 29 && !isLeap(y))) return Number.NaN;
  return daysFromCivil(y, mo, d);
}

/**
 * The part after the date, `(T| )HH:MM:SS[.f+](Z|±HH:MM)` in `buf[i, end)`, as ms past that
 * date's UTC midnight (an offset can push it below 0 or past a day), or NaN. Fractions beyond
 * milliseconds are truncated, as Date.parse does.
 */
export function parseIsoTimeOfDayMs(buf: Uint8Array, i: number, end: number): number {
  if (end - i < 10) return Number.NaN;
  const sep = buf[i];
  const hh = d2(buf, i + 1);
  const mi = d2(buf, i + 4);
  const ss = d2(buf, i + 7);
  if (
    (sep !== 84 && sep !== 32 && sep !== 116) || buf[i + 3] !== 58 || buf[i + 6] !== 58 ||
    hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59
  ) return Number.NaN;
  let p = i + 9;
  let ms = 0;
  if (buf[p] === 46) {
    p++;
    let n = 0;
    while (p < end) {
      const b = buf[p] - 48;
      if (b < 0 || b > 9) break;
      if (n < 3) ms = ms * 10 + b;
      n++;
      p++;
    }
    if (n === 0) return Number.NaN;
    if (n === 1) ms *= 100;
    else if (n === 2) ms *= 10;
  }
  if (p >= end) return Number.NaN;
  let offsetMin = 0;
  const z = buf[p];
  if (z === 90 || z === 122) {
    p++;
  } else if (z === 43 || z === 45) {
    if (end - p < 6 || buf[p + 3] !== 58) return Number.NaN;
    const oh = d2(buf, p + 1);
    const om = d2(buf, p + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
    p += 6;
  } else {
    return Number.NaN;
  }
  if (p !== end) return Number.NaN;
  return ((hh * 60 + mi - offsetMin) * 60 + ss) * 1000 + ms;
}

/**
 * Parses `YYYY-MM-DD(T| )HH:MM:SS[.f+](Z|±HH:MM)` in `buf[start, end)` to epoch ms, or NaN.
 * Impossible dates and times (Feb 30, hour 24, second 60) are refused rather than rolled over.
 */
export function parseIsoUtcMs(buf: Uint8Array, start: number, end: number): number {
  if (end - start < 20) return Number.NaN;
  return parseIsoDateDays(buf, start) * DAY_MS + parseIsoTimeOfDayMs(buf, start + 10, end);
}

const scratch = new Uint8Array(64);
const encoder = new TextEncoder();

/** {@link parseIsoUtcMs} for a JS string (JSON input), sharing the byte parser's rules. */
export function parseIsoUtcMsString(s: string): number {
  if (s.length > scratch.length) return Number.NaN;
  const { written } = encoder.encodeInto(s, scratch);
  return parseIsoUtcMs(scratch, 0, written);
}
