/**
 * The one money and percent format of every table, page and message: the sign before the dollar
 * sign and thousands separated (`-$1,364.29`, never `$-1364.29`), and percents with their sign only
 * when negative unless asked. Non-finite values print as "-" (a missing figure, not a crash).
 */

/** `-$1,364.29`; `digits` decimals (default 2); `signed` adds "+" to positive amounts. */
export function formatUsd(x: number, digits = 2, signed = false): string {
  if (!Number.isFinite(x)) return "-";
  const abs = Math.abs(x).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  // A value that rounds to zero prints without a sign: "-$0.00" reads as a loss that is not one.
  const zero = Number(abs.replace(/,/g, "")) === 0;
  const sign = zero ? "" : x < 0 ? "-" : signed ? "+" : "";
  return `${sign}$${abs}`;
}

/** `-12.35%` from a value already in percent. */
export function formatPct(x: number, digits = 2, signed = false): string {
  if (!Number.isFinite(x)) return "-";
  const s = x.toFixed(digits);
  const zero = Number(s) === 0;
  return `${!zero && signed && x > 0 ? "+" : ""}${zero ? (0).toFixed(digits) : s}%`;
}
