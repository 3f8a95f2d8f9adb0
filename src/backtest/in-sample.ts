import { createHash } from "node:crypto";
import type { BarSeries } from "../core/bars.ts";
import type { QTableTraining } from "../sizing/rl/persist.ts";

/**
 * In-sample detection: a figure computed on the bars a model was fitted on measures how well it
 * memorised them, not how it trades. `train-rl` records what it trained on (`barsFingerprint`);
 * `compare --rl-table` checks its own bars against that record (`inSampleCheck`) and labels the
 * figures. Pure: no I/O.
 */

/** What a set of bars is: symbols, first and last bar time, count, and a hash of every bar. */
export function barsFingerprint(series: readonly BarSeries[]): QTableTraining {
  const sorted = [...series].filter((s) => s.length > 0).sort((a, b) => a.symbol.localeCompare(b.symbol));
  const h = createHash("sha256");
  let from = Infinity;
  let to = -Infinity;
  let bars = 0;
  for (const s of sorted) {
    h.update(`${s.symbol}\n`);
    for (const a of [s.tMs, s.open, s.high, s.low, s.close, s.volume]) h.update(new Uint8Array(a.buffer, a.byteOffset, s.length * 8));
    from = Math.min(from, s.tMs[0]);
    to = Math.max(to, s.tMs[s.length - 1]);
    bars += s.length;
  }
  const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : "");
  return { symbols: sorted.map((s) => s.symbol), from: iso(from), to: iso(to), bars, sha256: h.digest("hex") };
}

/** How a comparison's bars relate to a model's training bars. */
export interface InSample {
  /** same: exactly the training bars; overlap: some of the same symbols' bars in the training period. */
  readonly kind: "same" | "overlap";
  /** Bars of this run inside the training data (same symbol, within its first..last bar). */
  readonly barsInSample: number;
  readonly bars: number;
  readonly symbols: readonly string[];
  readonly from: string;
  readonly to: string;
  /** The label, e.g. "IN-SAMPLE: the RL table was trained on these bars (...)". */
  readonly text: string;
}

const day = (iso: string): string => iso.slice(0, 10);

/**
 * Whether `series` lies (wholly or partly) in the bars of any training record; null when it is
 * out of sample. `what` names the model in the label ("the RL table").
 */
export function inSampleCheck(trainedOn: readonly QTableTraining[], series: readonly BarSeries[], what: string): InSample | null {
  if (trainedOn.length === 0) return null;
  const mine = barsFingerprint(series);
  const same = trainedOn.find((t) => t.sha256 === mine.sha256);
  if (same) {
    const text = `IN-SAMPLE: ${what} was trained on these bars (${same.symbols.length} symbols, ${day(same.from)}..${day(same.to)}, ${same.bars} bars)`;
    return { kind: "same", barsInSample: mine.bars, bars: mine.bars, symbols: mine.symbols, from: mine.from, to: mine.to, text };
  }
  // Bar by bar against each record's symbols and period; a bar counts once however many records hold it.
  let inside = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const symbols = new Set<string>();
  for (const s of series) {
    const periods = trainedOn.filter((t) => t.symbols.includes(s.symbol)).map((t) => [Date.parse(t.from), Date.parse(t.to)] as const);
    if (periods.length === 0) continue;
    for (let i = 0; i < s.length; i++) {
      const t = s.tMs[i];
      if (!periods.some(([a, b]) => t >= a && t <= b)) continue;
      inside++;
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
      symbols.add(s.symbol);
    }
  }
  if (inside === 0) return null;
  const from = new Date(lo).toISOString();
  const to = new Date(hi).toISOString();
  const share = ((inside / Math.max(1, mine.bars)) * 100).toFixed(0);
  const text = `IN-SAMPLE IN PART: ${what} was trained on bars of the same symbols and period as ${inside} of these ${mine.bars} bars (${share}%: ${symbols.size} symbols, ${day(from)}..${day(to)})`;
  return { kind: "overlap", barsInSample: inside, bars: mine.bars, symbols: [...symbols].sort(), from, to, text };
}
