import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { bootstrapDays, percentileInterval, stationaryIndices } from "../../src/stats/bootstrap.ts";
import { runSample, type DaySample, type RunSample } from "../../src/stats/day-sample.ts";
import { closingVerdict, pairedIntervals, tradesNeededText, tradesToSeparate } from "../../src/stats/intervals.ts";

const opts = { resamples: 400, level: 0.95, seed: 7 };

/** A run of `days` days, one trade a day with R drawn by `r(k)`, risk $100, returns = P/L on $100k. */
function run(days: number, r: (k: number) => number): RunSample {
  const ds: DaySample[] = [];
  for (let k = 0; k < days; k++) {
    const R = r(k);
    ds.push({ day: `2024-01-${String(k + 1).padStart(2, "0")}`, ret: (R * 100) / 100_000, trades: [{ pnlUsd: R * 100, rMultiple: R, riskUsd: 100 }] });
  }
  return { initialEquityUsd: 100_000, spanMs: days * 86_400_000, days: ds };
}

describe("stationary bootstrap", () => {
  it("draws n indices in range, the same for the same seed", () => {
    const a = stationaryIndices(50, 4, new SeededRng(1));
    const b = stationaryIndices(50, 4, new SeededRng(1));
    expect(a).toEqual(b);
    expect(a).toHaveLength(50);
    expect(a.every((i) => i >= 0 && i < 50)).toBe(true);
  });
  it("keeps blocks of consecutive days (mean length about the asked one)", () => {
    const idx = stationaryIndices(100_000, 5, new SeededRng(3));
    let starts = 1;
    for (let i = 1; i < idx.length; i++) if (idx[i] !== (idx[i - 1] + 1) % 100_000) starts++;
    expect(idx.length / starts).toBeGreaterThan(4.6);
    expect(idx.length / starts).toBeLessThan(5.4);
  });
  it("percentile interval of a known sample", () => {
    const xs = Array.from({ length: 101 }, (_, i) => i);
    const p = percentileInterval(xs, 0.9);
    expect(p.lo).toBeCloseTo(5, 9);
    expect(p.hi).toBeCloseTo(95, 9);
  });
  it("a bootstrap of the mean of N(0,1) days has a standard error near 1/sqrt(n)", () => {
    const rng = new SeededRng(11);
    const xs = Array.from({ length: 400 }, () => rng.normal());
    const draws = bootstrapDays(xs.length, { resamples: 1000, level: 0.95, seed: 5, meanBlockDays: 1 }, (idx) => [idx.reduce((a, i) => a + xs[i], 0) / idx.length]);
    const se = percentileInterval(draws.map((d) => d[0]), 0.95).se;
    expect(se).toBeGreaterThan(0.05 * 0.85);
    expect(se).toBeLessThan(0.05 * 1.15);
  });
});

describe("paired intervals", () => {
  it("a run against itself: every difference is exactly 0 and cannot be separated, with nothing to detect", () => {
    const a = run(40, (k) => Math.sin(k) * 2);
    const s = pairedIntervals({ fixed: a, same: a }, "fixed", opts);
    for (const d of Object.values(s.runs.same.sizeNeutral!)) {
      expect([d.lo, d.hi, d.improvement]).toEqual([0, 0, 0]);
      expect(d.verdict).toBe("cannot separate");
      expect(d.tradesNeeded).toBeNull();
    }
    expect(s.runs.fixed.sizeNeutral).toBeNull();
  });

  it("pairing: a run that is the baseline plus 0.5 R on every day is better on P/L per trade, with a tight interval", () => {
    const rng = new SeededRng(2);
    const noise = Array.from({ length: 40 }, () => rng.normal() * 2);
    const base = run(40, (k) => noise[k]);
    const up = run(40, (k) => noise[k] + 0.5);
    const down = run(40, (k) => noise[k] - 0.5);
    const s = pairedIntervals({ fixed: base, up, down }, "fixed", opts);
    const u = s.runs.up.sizeNeutral!.edgeR;
    expect(u.verdict).toBe("better");
    expect(u.lo).toBeGreaterThan(0);
    expect(u.improvement).toBeGreaterThan(u.lo);
    expect(u.improvement).toBeLessThan(u.hi);
    expect(s.runs.down.sizeNeutral!.edgeR.verdict).toBe("worse");
    // Unpaired, the noise (std 2 R over 40 trades: se ~0.45 R for the difference) would hide 0.5 R.
    expect(u.hi - u.lo).toBeLessThan(0.5);
  });

  it("two skill-less runs cannot be separated and the trades needed grow as the effect shrinks", () => {
    const rng = new SeededRng(4);
    const a = run(30, () => rng.normal());
    const b = run(30, () => rng.normal() + 0.05);
    const s = pairedIntervals({ fixed: a, b }, "fixed", opts);
    const d = s.runs.b.sizeNeutral!.edgeR;
    expect(d.verdict).toBe("cannot separate");
    expect(d.tradesNeeded).toBeGreaterThan(30);
    expect(closingVerdict("b", s)).toMatch(/^b vs fixed: Sharpe \(daily\) cannot be separated .*\[.*\], about [\d,]+ trades needed/);
  });

  it("is reproducible from its seed and differs with another seed", () => {
    const rng = new SeededRng(9);
    const a = run(30, () => rng.normal());
    const b = run(30, () => rng.normal());
    const x = pairedIntervals({ fixed: a, b }, "fixed", opts);
    expect(pairedIntervals({ fixed: a, b }, "fixed", opts)).toEqual(x);
    expect(pairedIntervals({ fixed: a, b }, "fixed", { ...opts, seed: 8 }).runs.b.metrics.sharpe).not.toEqual(x.runs.b.metrics.sharpe);
  });

  it("aligns runs with different days: a missing day is flat and trade-less", () => {
    const a = run(10, () => 1);
    const b: RunSample = { ...a, days: a.days.slice(0, 5) };
    const s = pairedIntervals({ fixed: a, b }, "fixed", opts);
    expect(s.days).toBe(10);
    expect(s.runs.b.metrics.winRate).toEqual({ lo: 1, hi: 1 });
  });

  it("refuses bad options and an unknown baseline", () => {
    const a = run(5, () => 1);
    expect(() => pairedIntervals({ a }, "fixed", opts)).toThrow(/baseline "fixed"/);
    expect(() => pairedIntervals({ a }, "a", { ...opts, level: 1.2 })).toThrow(/level/);
    expect(() => pairedIntervals({ a }, "a", { ...opts, resamples: 3 })).toThrow(/resamples/);
  });
});

describe("power", () => {
  it("n = trades x ((z_0.975 + z_0.8) x se / effect)^2", () => {
    expect(tradesToSeparate(1, 1, 100, 0.95)).toBe(Math.ceil(100 * (1.959964 + 0.841621) ** 2));
    expect(tradesToSeparate(0, 1, 100, 0.95)).toBeNull();
    expect(tradesNeededText(4321)).toBe("about 4,300 trades needed");
    expect(tradesNeededText(2e6)).toBe("more than a million trades needed");
  });
});

describe("runSample", () => {
  it("puts each trade on the New York day of its exit and measures returns from the previous close", () => {
    const s = runSample({
      initialEquityUsd: 1000,
      daily: [{ day: "2024-04-01", equityUsd: 1100 }, { day: "2024-04-02", equityUsd: 990 }],
      // 2024-04-02 01:00 UTC is still April 1st in New York (EDT, UTC-4).
      trades: [{ pnlUsd: 100, rMultiple: 1, entryTimeMs: 0, exitTimeMs: Date.UTC(2024, 3, 2, 1), riskUsd: 100 }, { pnlUsd: -110, rMultiple: -1.1, entryTimeMs: 0, exitTimeMs: Date.UTC(2024, 3, 2, 15), riskUsd: 100 }],
      startMs: 0,
      endMs: 86_400_000,
    });
    expect(s.days.map((d) => d.trades.length)).toEqual([1, 1]);
    expect(s.days[0].ret).toBeCloseTo(0.1, 12);
    expect(s.days[1].ret).toBeCloseTo(-0.1, 12);
  });
});
