import { describe, expect, it } from "vitest";
import type { BarView } from "../../src/core/bars.ts";
import { createBarView } from "../../src/core/bars.ts";
import type { StreamingIndicator } from "../../src/indicators/indicator.ts";
import { Adx } from "../../src/indicators/adx.ts";
import { Atr } from "../../src/indicators/atr.ts";
import { AtrPercentile } from "../../src/indicators/atr-percentile.ts";
import { DayChange } from "../../src/indicators/day-change.ts";
import { Momentum } from "../../src/indicators/momentum.ts";
import { RollingMean } from "../../src/indicators/rolling-mean.ts";
import { SessionStats } from "../../src/indicators/session-stats.ts";
import { Sma } from "../../src/indicators/sma.ts";
import { TrendStrength } from "../../src/indicators/trend-strength.ts";
import { VolumeAverage } from "../../src/indicators/volume-average.ts";
import { randomBars } from "./bars.ts";

interface Case {
  readonly make: () => StreamingIndicator;
  /** Restarts on a new etDay (its outputs on day 2 ignore day 1). */
  readonly session: boolean;
}

const CASES: Record<string, Case> = {
  "atr(14)": { make: () => new Atr(), session: false },
  "atr(1)": { make: () => new Atr(1), session: false },
  "volume_avg(20)": { make: () => new VolumeAverage(), session: false },
  "volume_avg(1)": { make: () => new VolumeAverage(1), session: false },
  "sma(20)": { make: () => new Sma(20), session: false },
  "rolling_mean(high,7)": { make: () => new RollingMean(7, "high"), session: false },
  session: { make: () => new SessionStats(), session: true },
  day_change: { make: () => new DayChange(), session: true },
  "atr_percentile(390)": { make: () => new AtrPercentile(), session: false },
  "atr_percentile(50,min 5)": { make: () => new AtrPercentile({ window: 50, atrPeriod: 5, minSamples: 5 }), session: false },
  "trend_strength(20)": { make: () => new TrendStrength(), session: false },
  "trend_strength(1)": { make: () => new TrendStrength(1), session: false },
  "adx(14)": { make: () => new Adx(), session: false },
  "adx(1)": { make: () => new Adx(1), session: false },
  "momentum_pct(60)": { make: () => new Momentum(), session: false },
  "momentum_pct(1)": { make: () => new Momentum(1), session: false },
};

function run(ind: StreamingIndicator, bars: readonly BarView[]): (number | null)[] {
  return bars.map((b) => ind.update(b));
}

/** Feeds the bars through one reused, mutated view, the way the engine does. */
function runReusedView(ind: StreamingIndicator, bars: readonly BarView[]): (number | null)[] {
  const v = createBarView();
  return bars.map((b) => {
    Object.assign(v, b);
    const r = ind.update(v);
    // Scribbling on the view after the call must not matter: no indicator may keep a reference.
    v.open = v.high = v.low = v.close = v.volume = Number.NaN;
    return r;
  });
}

const BARS = randomBars(7, 3);
const DAY2 = BARS.filter((b) => b.etDay === BARS[0].etDay + 1);

describe.each(Object.entries(CASES))("StreamingIndicator contract: %s", (_name, c) => {
  it("returns null until warmupBars bars were seen, then finite numbers only", () => {
    const ind = c.make();
    expect(ind.value).toBeNull();
    const out = run(ind, BARS);
    out.forEach((r, i) => {
      if (i < ind.warmupBars - 1) expect(r, `bar ${i}`).toBeNull();
      else expect(Number.isFinite(r), `bar ${i}: ${r}`).toBe(true);
    });
  });

  it("repeats the last return in value", () => {
    const ind = c.make();
    for (const b of BARS) {
      const r = ind.update(b);
      expect(ind.value).toBe(r);
    }
  });

  it("is deterministic and reset() restores the fresh state", () => {
    const a = c.make();
    const first = run(a, BARS);
    expect(run(c.make(), BARS)).toEqual(first);
    a.reset();
    expect(a.value).toBeNull();
    expect(run(a, BARS)).toEqual(first);
  });

  it("gives the same outputs through a reused, mutated BarView (keeps no reference to it)", () => {
    expect(runReusedView(c.make(), BARS)).toEqual(run(c.make(), BARS));
  });

  it("never looks ahead: outputs up to bar k do not depend on bars after k", () => {
    const full = run(c.make(), BARS);
    for (const k of [0, 13, 27, 389, 390, 500, 777]) {
      // A different future (the remaining bars reversed, re-timed) must not change the past.
      const future = BARS.slice(k + 1).reverse();
      const other = run(c.make(), [...BARS.slice(0, k + 1), ...future]);
      expect(other.slice(0, k + 1)).toEqual(full.slice(0, k + 1));
    }
  });

  it(c.session ? "restarts on a new etDay" : "carries state across sessions", () => {
    const whole = run(c.make(), BARS);
    const day2Fresh = run(c.make(), DAY2);
    const day2InWhole = whole.slice(BARS.indexOf(DAY2[0]), BARS.indexOf(DAY2[0]) + DAY2.length);
    if (c.session) expect(day2InWhole).toEqual(day2Fresh);
    // Not session-scoped: the new day does not start another warm-up.
    else expect(day2InWhole[0]).not.toBeNull();
  });
});
