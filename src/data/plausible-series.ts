import type { BarSeries, RejectLog } from "../core/bars.ts";
import { barProblem } from "./series-builder.ts";
import { PlausibilityGate, type PlausibilityLimits } from "./plausibility.ts";

/**
 * A series with its implausible bars dropped (the same series when none is), for bars that did not
 * come through a file parser: generated ones, REST pages held in memory. Each refusal is logged
 * against `label` and the bar's 1-based index.
 */
export function plausibleSeries(s: BarSeries, limits: PlausibilityLimits, rejects: RejectLog, label = s.symbol): BarSeries {
  const gate = new PlausibilityGate(limits);
  const keep = new Uint8Array(s.length);
  let kept = 0;
  let lastT = Number.NEGATIVE_INFINITY;
  const row = { tMs: 0, open: 0, high: 0, low: 0, close: 0 };
  for (let i = 0; i < s.length; i++) {
    row.tMs = s.tMs[i];
    row.open = s.open[i];
    row.high = s.high[i];
    row.low = s.low[i];
    row.close = s.close[i];
    let reason = barProblem(row.tMs, row.open, row.high, row.low, row.close, s.volume[i]);
    if (reason === null && !(row.tMs > lastT)) reason = row.tMs === lastT ? "duplicate timestamp" : "out-of-order timestamp";
    if (reason === null) reason = gate.check(row);
    if (reason !== null) {
      rejects.add(label, i + 1, reason);
      continue;
    }
    keep[i] = 1;
    lastT = row.tMs;
    kept++;
  }
  if (kept === s.length) return s;
  const pick = (a: Float64Array): Float64Array => {
    const out = new Float64Array(kept);
    for (let i = 0, j = 0; i < s.length; i++) if (keep[i]) out[j++] = a[i];
    return out;
  };
  return { symbol: s.symbol, length: kept, tMs: pick(s.tMs), open: pick(s.open), high: pick(s.high), low: pick(s.low), close: pick(s.close), volume: pick(s.volume) };
}
