import type { BarView } from "../core/bars.ts";
import type { StreamingIndicator } from "./indicator.ts";

/**
 * Average Directional Index, Wilder's original construction. From the second bar on:
 * +DM = up move if it is positive and larger than the down move, else 0 (and symmetrically -DM;
 * a tie gives 0 to both). +DM and -DM are Wilder-smoothed (seeded with the mean of their first
 * `period` values); DI = 100 x smoothed DM / smoothed TR and DX = 100 x |DI+ - DI-| / (DI+ + DI-).
 * ADX is seeded with the mean of the first `period` DX values, then Wilder-smoothed, so the first
 * ADX comes on bar 2 x period.
 *
 * Both DIs divide by the same smoothed TR, so it cancels in DX: DX = 100 x |sDM+ - sDM-| /
 * (sDM+ + sDM-), and TR is not computed at all. No directional movement at all gives DX 0.
 * Hot-path layout as in Atr (`step`, `current`, warm-up out of line).
 */
export class Adx implements StreamingIndicator {
  readonly name: string;
  readonly warmupBars: number;
  /** Latest ADX, NaN while warming up. */
  current = NaN;
  private seen = 0;
  private prevHigh = NaN;
  private prevLow = NaN;
  private pdm = NaN;
  private mdm = NaN;
  private sPlus = 0;
  private sMinus = 0;
  private dx = NaN;
  private dxSum = 0;
  private readonly keep: number;
  private readonly inv: number;

  constructor(readonly period = 14) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`ADX period must be a positive integer (got ${period})`);
    this.name = `adx(${period})`;
    this.warmupBars = 2 * period;
    // Reciprocals keep divisions off the bar-to-bar dependency chain.
    this.keep = (period - 1) / period;
    this.inv = 1 / period;
  }

  get value(): number | null {
    return this.seen >= this.warmupBars ? this.current : null;
  }

  update(bar: Readonly<BarView>): number | null {
    this.step(bar);
    return this.value;
  }

  step(bar: Readonly<BarView>): void {
    if (this.seen < this.warmupBars) {
      this.warm(bar);
      return;
    }
    // Warm-up and steady state share moves() and smooth(); only the ADX average differs.
    this.moves(bar);
    this.smooth();
    this.current = this.current * this.keep + this.dx * this.inv;
  }

  reset(): void {
    this.current = NaN;
    this.seen = 0;
    this.prevHigh = NaN;
    this.prevLow = NaN;
    this.pdm = NaN;
    this.mdm = NaN;
    this.sPlus = 0;
    this.sMinus = 0;
    this.dx = NaN;
    this.dxSum = 0;
  }

  private warm(bar: Readonly<BarView>): void {
    this.moves(bar);
    const k = this.seen++;
    if (k === 0) return; // no previous bar, no movement
    const p = this.period;
    if (k < p) {
      this.sPlus += this.pdm;
      this.sMinus += this.mdm;
      return;
    }
    if (k === p) {
      this.sPlus = (this.sPlus + this.pdm) / p;
      this.sMinus = (this.sMinus + this.mdm) / p;
      this.directionalIndex();
    } else {
      this.smooth();
    }
    this.dxSum += this.dx;
    if (k === 2 * p - 1) this.current = this.dxSum / p;
  }

  /** Directional movements of the bar against the previous one. */
  private moves(bar: Readonly<BarView>): void {
    const h = bar.high;
    const l = bar.low;
    const up = h - this.prevHigh;
    const down = this.prevLow - l;
    this.prevHigh = h;
    this.prevLow = l;
    // Branch-free: which move wins is a coin flip on every bar.
    this.pdm = up * Number(up > down) * Number(up > 0);
    this.mdm = down * Number(down > up) * Number(down > 0);
  }

  private smooth(): void {
    this.sPlus = this.sPlus * this.keep + this.pdm * this.inv;
    this.sMinus = this.sMinus * this.keep + this.mdm * this.inv;
    this.directionalIndex();
  }

  /** DX from the smoothed directional movements: 0 when there was no movement at all. */
  private directionalIndex(): void {
    const sp = this.sPlus;
    const sm = this.sMinus;
    const sum = sp + sm;
    this.dx = sum > 0 ? (100 * Math.abs(sp - sm)) / sum : 0;
  }
}
