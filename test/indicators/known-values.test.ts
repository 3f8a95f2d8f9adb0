import { describe, expect, it } from "vitest";
import { Adx } from "../../src/indicators/adx.ts";
import { Atr } from "../../src/indicators/atr.ts";
import { AtrPercentile } from "../../src/indicators/atr-percentile.ts";
import { DayChange } from "../../src/indicators/day-change.ts";
import { SessionStats } from "../../src/indicators/session-stats.ts";
import { Sma } from "../../src/indicators/sma.ts";
import { TrendStrength } from "../../src/indicators/trend-strength.ts";
import { VolumeAverage } from "../../src/indicators/volume-average.ts";
import { SeededRng } from "../../src/core/rng.ts";
import { bar } from "./bars.ts";

const D = 19_800;

/** Same nulls, numbers equal to ~1e-12 (an average by reciprocal may differ from a division in the last bit). */
function expectValues(actual: (number | null)[], expected: (number | null)[]): void {
  expect(actual.map((a) => a === null)).toEqual(expected.map((e) => e === null));
  actual.forEach((a, i) => {
    if (a !== null) expect(a, `#${i}`).toBeCloseTo(expected[i] as number, 12);
  });
}
// Values below were worked out by hand from the definitions in each indicator's doc comment.

describe("Atr", () => {
  it("seeds with the mean of the first period TRs, then smooths (Wilder), gaps included", () => {
    const atr = new Atr(3);
    const out = [
      bar(D, 570, 9, 10, 8, 9), // TR 2 (first bar: h - l)
      bar(D, 571, 9, 11, 9, 10.5), // max(2, |11 - 9|, |9 - 9|) = 2
      bar(D, 572, 10.5, 12, 10, 11), // max(2, 1.5, 0.5) = 2 -> ATR (2 + 2 + 2) / 3 = 2
      bar(D, 573, 11, 11.5, 7, 8), // max(4.5, 0.5, 4) = 4.5 -> (2 x 2 + 4.5) / 3
      bar(D + 1, 570, 14, 15, 14, 14.5), // gap: max(1, |15 - 8|, |14 - 8|) = 7
    ].map((b) => atr.update(b));
    expect(out.slice(0, 2)).toEqual([null, null]);
    expect(out[2]).toBe(2);
    expect(out[3]).toBeCloseTo(8.5 / 3, 14);
    expect(out[4]).toBeCloseTo(((8.5 / 3) * 2 + 7) / 3, 14);
  });
});

describe("VolumeAverage and Sma", () => {
  it("average the last N bars including the current one", () => {
    const v = new VolumeAverage(3);
    const s = new Sma(2);
    const bars = [100, 200, 300, 400, 0].map((vol, i) => bar(D, 570 + i, 1, 1, 1, 1 + i, vol));
    expectValues(bars.map((b) => v.update(b)), [null, null, 200, 300, 700 / 3]);
    expectValues(bars.map((b) => s.update(b)), [null, 1.5, 2.5, 3.5, 4.5]);
  });
});

describe("RollingMean drift", () => {
  it.each([20, 3, 200])("stays within 1e-9 (relative) of a fresh sum over 300k bars with wild magnitudes (period %i)", (period) => {
    const rng = new SeededRng(5);
    const sma = new Sma(period);
    const win: number[] = [];
    let worst = 0;
    for (let i = 0; i < 300_000; i++) {
      // Mostly small fractional prices, now and then a value up to 1e12 times larger.
      const x = rng.chance(0.002) ? rng.next() * 10 ** rng.int(3, 12) : rng.next() * 3 + 0.0001;
      win.push(x);
      if (win.length > period) win.shift();
      const got = sma.update(bar(D, 570, x, x, x, x));
      if (got === null) continue;
      const want = win.reduce((a, v) => a + v, 0) / period;
      worst = Math.max(worst, Math.abs(got - want) / want);
    }
    expect(worst).toBeLessThan(1e-9);
  });
});

describe("SessionStats", () => {
  it("tracks open, high, low and the low before the current bar, per session", () => {
    const s = new SessionStats();
    s.update(bar(D, 570, 10, 10.5, 9.8, 10.2));
    expect([s.open, s.high, s.low, s.priorLow, s.bars]).toEqual([10, 10.5, 9.8, NaN, 1]);
    expect(s.update(bar(D, 571, 10.2, 10.4, 9.5, 9.6))).toBe(9.5);
    expect([s.open, s.high, s.low, s.priorLow]).toEqual([10, 10.5, 9.5, 9.8]);
    s.update(bar(D, 572, 9.6, 11, 9.6, 10.9));
    expect([s.high, s.low, s.priorLow, s.bars]).toEqual([11, 9.5, 9.5, 3]);
    s.update(bar(D + 1, 570, 7, 7.5, 6.9, 7.2));
    expect([s.etDay, s.open, s.high, s.low, s.priorLow, s.bars]).toEqual([D + 1, 7, 7.5, 6.9, NaN, 1]);
  });
});

describe("DayChange", () => {
  it("measures the close against the session's first open, restarting each day", () => {
    const d = new DayChange();
    expect(d.update(bar(D, 570, 10, 10, 9, 9.5))).toBeCloseTo(-5, 12);
    expect(d.update(bar(D, 571, 9.5, 9.5, 8, 8.5))).toBeCloseTo(-15, 12);
    expect(d.update(bar(D + 1, 570, 4, 5, 4, 5))).toBeCloseTo(25, 12);
  });
});

describe("TrendStrength", () => {
  it("is the fraction of the last N bars with a higher high than the bar before", () => {
    const t = new TrendStrength(3);
    // Flags from bar 2 on: 11>10, 12>11, 11>12 no, 10>11 no, 13>10.
    const out = [10, 11, 12, 11, 10, 13].map((h, i) => t.update(bar(D, 570 + i, h, h, h - 1, h)));
    expectValues(out, [null, null, null, 2 / 3, 1 / 3, 1 / 3]);
  });
});

describe("AtrPercentile", () => {
  it("ranks the latest ATR among the window (share of values <= it)", () => {
    const p = new AtrPercentile({ window: 4, atrPeriod: 1, minSamples: 1 });
    // ATR(1) is the TR; prices chosen so each TR is simply h - l.
    const trs = [1, 3, 2, 2, 5, 0.5];
    const out = trs.map((tr, i) => p.update(bar(D, 570 + i, 50, 50 + tr, 50, 50)));
    expectValues(out, [100, 100, 200 / 3, 75, 100, 25]);
  });

  it("stays null until minSamples ATR values exist and caches the rank between samples", () => {
    const p = new AtrPercentile({ window: 10, atrPeriod: 2, minSamples: 3 });
    expect(p.warmupBars).toBe(4);
    const out = [1, 2, 3, 4, 5].map((tr, i) => p.update(bar(D, 570 + i, 50, 50 + tr, 50, 50)));
    expect(out.slice(0, 3)).toEqual([null, null, null]);
    expect(out[3]).toBe(100);
    expect(p.percentile()).toBe(100);
  });
});

describe("Adx", () => {
  it("follows Wilder's construction (period 2, worked by hand)", () => {
    const adx = new Adx(2);
    const hl: [number, number][] = [
      [10, 9],
      [11, 9.5], // +DM 1, -DM 0
      [10.5, 8.5], // +DM 0, -DM 1 -> seeds 0.5 / 0.5 -> DX 0
      [12, 9], // +DM 1.5 -> s+ 1, s- 0.25 -> DX 60 -> ADX (0 + 60) / 2 = 30
      [11, 8], // -DM 1 -> s+ 0.5, s- 0.625 -> DX 100 x 0.125 / 1.125
    ];
    const out = hl.map(([h, l], i) => adx.update(bar(D, 570 + i, l, h, l, h)));
    expect(out.slice(0, 3)).toEqual([null, null, null]);
    expect(out[3]).toBeCloseTo(30, 12);
    expect(out[4]).toBeCloseTo((30 + (100 * 0.125) / 1.125) / 2, 12);
  });

  it("gives 0, not NaN, when nothing moves", () => {
    const adx = new Adx(3);
    let last: number | null = null;
    for (let i = 0; i < 10; i++) last = adx.update(bar(D, 570 + i, 5, 5, 5, 5));
    expect(last).toBe(0);
  });

  it("gives no directional movement to either side on a tie", () => {
    const adx = new Adx(1);
    adx.update(bar(D, 570, 10, 11, 9, 10));
    // Outside bar: up 1 and down 1 tie -> both DMs 0 -> DX 0; then a pure up move -> DX 100.
    expect(adx.update(bar(D, 571, 10, 12, 8, 10))).toBe(0);
    expect(adx.update(bar(D, 572, 10, 13, 9, 12))).toBe(100);
  });
});
