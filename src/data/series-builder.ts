import type { BarSeries, RejectLog } from "../core/bars.ts";
import { checkBar, PlausibilityGate, type PlausibilityLimits } from "./plausibility.ts";

/** Largest instant a Date can hold; anything past it cannot be a real bar time. */
const MAX_TIME_MS = 8.64e15;

/** Why a row is refused, or null when it is a valid bar. Checked in a fixed order so each row gets one reason. */
export function barProblem(t: number, o: number, h: number, l: number, c: number, v: number): string | null {
  if (!(Math.abs(t) <= MAX_TIME_MS)) return "bad timestamp";
  if (!Number.isFinite(o)) return "non-finite open";
  if (!Number.isFinite(h)) return "non-finite high";
  if (!Number.isFinite(l)) return "non-finite low";
  if (!Number.isFinite(c)) return "non-finite close";
  if (!Number.isFinite(v)) return "non-finite volume";
  if (o <= 0 || h <= 0 || l <= 0 || c <= 0) return "price <= 0";
  if (h < l) return "high < low";
  if (o > h) return "open > high";
  if (c > h) return "close > high";
  if (o < l) return "open < low";
  if (c < l) return "close < low";
  if (v < 0) return "volume < 0";
  return null;
}

/**
 * Appends validated bars into growable columns and hands them out as a {@link BarSeries}.
 * Bad rows are logged against `file` and their 1-based line and skipped: one corrupt line
 * must not cost the rest of a file.
 */
export class SeriesBuilder {
  private n = 0;
  private cap: number;
  private lastT = Number.NEGATIVE_INFINITY;
  private built = false;
  private t: Float64Array;
  private o: Float64Array;
  private h: Float64Array;
  private l: Float64Array;
  private c: Float64Array;
  private v: Float64Array;
  private readonly gate: PlausibilityGate | null;
  /** Reused for the gate, so checking a row makes no object. */
  private readonly row = { tMs: 0, open: 0, high: 0, low: 0, close: 0 };

  /**
   * @param file where later rejects are reported; callers feeding one series from several places
   *   (pages of a JSON download) update it as they go.
   * @param limits plausibility limits every well-formed row must also meet (null: shape only).
   */
  constructor(
    readonly symbol: string,
    public file: string,
    private readonly rejects: RejectLog,
    capacity = 1024,
    limits: PlausibilityLimits | null = null,
  ) {
    this.gate = limits ? new PlausibilityGate(limits) : null;
    this.cap = Math.max(16, Math.ceil(capacity));
    this.t = new Float64Array(this.cap);
    this.o = new Float64Array(this.cap);
    this.h = new Float64Array(this.cap);
    this.l = new Float64Array(this.cap);
    this.c = new Float64Array(this.cap);
    this.v = new Float64Array(this.cap);
  }

  get length(): number {
    return this.n;
  }

  /** Logs a row that never got as far as numbers (truncated, unparseable). */
  reject(line: number, reason: string): void {
    this.rejects.add(this.file, line, reason);
  }

  /** Validates and appends one bar; returns false when the row was refused (and logged). */
  add(line: number, t: number, o: number, h: number, l: number, c: number, v: number): boolean {
    // One compound test covers the common valid row; NaN fails every comparison so it lands below.
    if (t > this.lastT && t <= MAX_TIME_MS && l > 0 && l <= o && l <= c && o <= h && c <= h && h < Infinity && v >= 0 && v < Infinity) {
      if (this.gate !== null && !this.plausible(line, t, o, h, l, c)) return false;
      const n = this.n;
      if (n === this.cap) this.grow();
      this.t[n] = t;
      this.o[n] = o;
      this.h[n] = h;
      this.l[n] = l;
      this.c[n] = c;
      this.v[n] = v;
      this.n = n + 1;
      this.lastT = t;
      return true;
    }
    let reason = barProblem(t, o, h, l, c, v);
    // A well-formed row out of order may still be absurd (a 1970 time mid-file): that is the better reason.
    if (reason === null && this.gate !== null) reason = checkBar(null, { tMs: t, open: o, high: h, low: l, close: c }, this.gate.limits);
    if (reason === null) reason = t === this.lastT ? "duplicate timestamp" : "out-of-order timestamp";
    this.rejects.add(this.file, line, reason);
    return false;
  }

  /** The gate's verdict on a well-formed row; a refusal is logged like any bad row. */
  private plausible(line: number, t: number, o: number, h: number, l: number, c: number): boolean {
    const r = this.row;
    r.tMs = t;
    r.open = o;
    r.high = h;
    r.low = l;
    r.close = c;
    const reason = this.gate!.check(r);
    if (reason === null) return true;
    this.rejects.add(this.file, line, reason);
    return false;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const re = (a: Float64Array): Float64Array => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.t = re(this.t);
    this.o = re(this.o);
    this.h = re(this.h);
    this.l = re(this.l);
    this.c = re(this.c);
    this.v = re(this.v);
    this.cap = cap;
  }

  /** The bars as exact-length arrays (views when the slack is small). Ends the builder: the storage is handed out. */
  build(): BarSeries {
    if (this.built) throw new Error(`SeriesBuilder for ${this.symbol} was already built`);
    this.built = true;
    const n = this.n;
    // Slack up to half the length is kept behind exact-length views: its pages were never touched,
    // so they cost address space, not memory, and copying them away would cost a second pass.
    const keep = this.cap - n <= n >>> 1;
    const fit = (a: Float64Array): Float64Array => (a.length === n ? a : keep ? a.subarray(0, n) : a.slice(0, n));
    return {
      symbol: this.symbol,
      length: n,
      tMs: fit(this.t),
      open: fit(this.o),
      high: fit(this.h),
      low: fit(this.l),
      close: fit(this.c),
      volume: fit(this.v),
    };
  }
}
