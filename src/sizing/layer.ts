/** What every multiplier layer returns: a factor on the base risk and the reason a person reads. */
export interface LayerResult {
  readonly factor: number;
  readonly reason: string;
}

/*
 * Formatting sits on the sizing hot path (every decision carries its reasons and summary), and
 * Number#toFixed costs ~70 ns a call, a third of the 1 us budget. These integer-based versions are
 * ~3x faster, locale-independent like toFixed, and fall back to toFixed outside the safe range.
 * Halfway cases may round differently from toFixed in the last digit; they are display only.
 */

const SAFE = 1e12;

/** Like x.toFixed(1). */
export function fixed1(x: number): string {
  if (!(x > -SAFE && x < SAFE)) return x.toFixed(1);
  const v = Math.round((x < 0 ? -x : x) * 10);
  const ip = Math.floor(v / 10);
  return `${x < 0 && v > 0 ? "-" : ""}${ip}.${v - ip * 10}`;
}

/** Like x.toFixed(2). */
export function fixed2(x: number): string {
  if (!(x > -SAFE && x < SAFE)) return x.toFixed(2);
  const v = Math.round((x < 0 ? -x : x) * 100);
  const ip = Math.floor(v / 100);
  const fp = v - ip * 100;
  return `${x < 0 && v > 0 ? "-" : ""}${ip}.${fp < 10 ? "0" : ""}${fp}`;
}

/**
 * Factor as SPEC writes it ("0.76", "1.5", "1.0"): two decimals with one trailing zero dropped,
 * so an integer still reads as a multiplier.
 */
export function fmtFactor(x: number): string {
  const s = fixed2(x);
  return s.charCodeAt(s.length - 1) === 48 ? s.slice(0, -1) : s;
}

/** A configured percentage without noise: 1 -> "1", 1.5 -> "1.5", 0.25 -> "0.25". */
export function fmtPct(x: number): string {
  return String(Math.round(x * 1000) / 1000);
}

/** A probability or ratio with two decimals. */
export const fmt2 = fixed2;
