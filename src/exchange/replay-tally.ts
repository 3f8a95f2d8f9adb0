import type { Fingerprint, ReplayState } from "./persist-format.ts";
import type { MinuteBars } from "./replay.ts";

/** What a saved exchange must agree with to be resumed: the replay's running hash and the fingerprint of data and settings. */

/** Running state of the replay: a cheap FNV-1a over each bar's time and prices. */
export class ReplayTally {
  private minutes = 0;
  private bars = 0;
  private hash = 0x811c9dc5;
  private lastMinuteMs: number | null = null;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);

  add(m: MinuteBars): void {
    this.minutes++;
    this.lastMinuteMs = m.tMs;
    for (const b of m.bars) {
      this.bars++;
      this.mix(b.tMs);
      this.mix(b.open);
      this.mix(b.high);
      this.mix(b.low);
      this.mix(b.close);
      this.mix(b.volume);
    }
  }

  state(done: boolean): ReplayState {
    return { minutes: this.minutes, bars: this.bars, hash: this.hash, lastMinuteMs: this.lastMinuteMs, done };
  }

  private mix(x: number): void {
    this.f64[0] = x;
    this.hash = Math.imul(this.hash ^ this.u32[0], 0x01000193) >>> 0;
    this.hash = Math.imul(this.hash ^ this.u32[1], 0x01000193) >>> 0;
  }
}

/** Throws unless the replay re-walked on resume is the one that was saved. */
export function checkReplay(file: string, saved: ReplayState, now: ReplayState): void {
  if (now.minutes < saved.minutes) {
    throw new Error(`exchange state ${file} was saved for other data: bars differ (the data ends after ${now.minutes} of the ${saved.minutes} minutes already replayed)`);
  }
  if (now.bars !== saved.bars || now.hash !== saved.hash) {
    throw new Error(
      `exchange state ${file} was saved for other data: bars differ (the ${saved.minutes} minutes already replayed held ${saved.bars} bars, hash ${saved.hash}; ` +
        `the data has ${now.bars} bars, hash ${now.hash})`,
    );
  }
}

/** What differs between a saved fingerprint and the current data and settings, one phrase each. */
export function fingerprintDiff(saved: Fingerprint, now: Fingerprint): string[] {
  const out: string[] = [];
  const list = (s: readonly string[]): string => (s.length > 8 ? `${s.slice(0, 8).join(",")},... (${s.length})` : s.join(","));
  if (saved.symbols.join(",") !== now.symbols.join(",")) out.push(`symbols differ (saved ${list(saved.symbols)}; data ${list(now.symbols)})`);
  const iso = (ms: number | null): string => (ms === null ? "none" : new Date(ms).toISOString());
  if (saved.firstBarMs !== now.firstBarMs) out.push(`first bar time differs (saved ${iso(saved.firstBarMs)}; data ${iso(now.firstBarMs)})`);
  if (saved.initialCashUsd !== now.initialCashUsd) out.push(`initial cash differs (saved ${saved.initialCashUsd}; now ${now.initialCashUsd})`);
  if (saved.frictionPctRoundTrip !== now.frictionPctRoundTrip) out.push(`friction differs (saved ${saved.frictionPctRoundTrip}%; now ${now.frictionPctRoundTrip}%)`);
  if (JSON.stringify(saved.partialFill) !== JSON.stringify(now.partialFill)) {
    out.push(`partial fills differ (saved ${JSON.stringify(saved.partialFill)}; now ${JSON.stringify(now.partialFill)})`);
  }
  return out;
}

