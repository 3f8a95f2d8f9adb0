import { describe, expect, it } from "vitest";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { defaultConfig, parseConfig } from "../../src/config/load.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";
import { createBarView, type BarView } from "../../src/core/bars.ts";
import type { SymbolSnapshot } from "../../src/core/snapshot.ts";

type Snap = { -readonly [K in keyof SymbolSnapshot]: SymbolSnapshot[K] };

function snap(over: Partial<Snap> = {}): Snap {
  return {
    symbol: "XYZ", etDay: 19800, sessionBars: 60, sessionOpen: 10, sessionHigh: 10.2, sessionLow: 8.0, priorSessionLow: 8.1,
    dayChangePct: -16, atr: 0.1, volumeAvg: 1000, atrPercentile: 50, atrRatio: 1, trendStrength: 0.5, adx: 20, ...over,
  };
}

function bar(o: number, h: number, l: number, c: number, v: number, etMinute = 700): BarView {
  return Object.assign(createBarView(), { open: o, high: h, low: l, close: c, volume: v, etDay: 19800, etMinute, tMs: 1 });
}

// A reclaim candle: breaks 8.10 (low 8.00), closes 8.40 above it; range 0.5, lower wick 0.25 (0.5), body 0.15 (0.3).
const trap = (): BarView => bar(8.25, 8.5, 8.0, 8.4, 2000);

describe("bear trap signal", () => {
  const cfg = strategyParams(defaultConfig(), "bear-trap");

  it("fires on a quality reclaim of a freshly broken session low on a day down >= 15%", () => {
    const s = createBearTrap(cfg);
    const sig = s.onBar(s.createState(), snap(), trap());
    expect(sig).not.toBeNull();
    expect(sig!.refPriceUsd).toBe(8.4);
    expect(sig!.detail.supportUsd).toBe(8.0);
    expect(sig!.detail.reclaimedLevelUsd).toBe(8.1);
    expect(sig!.stopPriceUsd).toBeCloseTo(8.0 - 0.45 * 0.1, 12);
    expect(sig!.detail.lowerWickRatio).toBeCloseTo(0.5, 12);
    expect(sig!.detail.bodyRatio).toBeCloseTo(0.3, 12);
    expect(sig!.detail.volumeRatio).toBeCloseTo(2, 12);
  });

  it("needs the day change at or below the threshold", () => {
    const s = createBearTrap(cfg);
    expect(s.onBar(s.createState(), snap({ dayChangePct: -14.9 }), trap())).toBeNull();
    const loose = createBearTrap(strategyParams(parseConfig({ strategies: [{ id: "bear-trap", params: { minDayChangePct: -10 } }] }), "bear-trap"));
    expect(loose.onBar(loose.createState(), snap({ dayChangePct: -14.9 }), trap())).not.toBeNull();
  });

  it("checks every candle-quality threshold", () => {
    const s = createBearTrap(cfg);
    // Wick too small: open/close near the low.
    expect(s.onBar(s.createState(), snap(), bar(8.02, 8.5, 8.0, 8.4, 2000))).toBeNull();
    // Body too small: a doji.
    expect(s.onBar(s.createState(), snap(), bar(8.39, 8.5, 8.0, 8.4, 2000))).toBeNull();
    // Volume below 1.2x the average.
    expect(s.onBar(s.createState(), snap(), bar(8.25, 8.5, 8.0, 8.4, 1199))).toBeNull();
    expect(s.onBar(s.createState(), snap(), bar(8.25, 8.5, 8.0, 8.4, 1200))).not.toBeNull();
  });

  it("requires a break first: a close above the low without a new low is no trap", () => {
    const s = createBearTrap(cfg);
    expect(s.onBar(s.createState(), snap({ priorSessionLow: 7.9, sessionLow: 7.9 }), trap())).toBeNull();
  });

  it("arms on a break and fires on a later reclaim bar, once", () => {
    const s = createBearTrap(cfg);
    const st = s.createState();
    // Bar 1 breaks 8.10 and closes below it.
    expect(s.onBar(st, snap({ priorSessionLow: 8.1, sessionLow: 7.9 }), bar(8.1, 8.12, 7.9, 7.95, 3000))).toBeNull();
    expect(st.armedLevelUsd).toBe(8.1);
    // Bar 2 does not break 7.90, closes back above 8.10 with quality.
    const b2 = bar(7.98, 8.3, 7.92, 8.2, 3000);
    const sig = s.onBar(st, snap({ priorSessionLow: 7.9, sessionLow: 7.9 }), b2);
    expect(sig).not.toBeNull();
    expect(sig!.detail.reclaimedLevelUsd).toBe(8.1);
    expect(s.onBar(st, snap({ priorSessionLow: 7.9, sessionLow: 7.9 }), b2)).toBeNull();
  });

  it("spends the trap on a poor-quality reclaim", () => {
    const s = createBearTrap(cfg);
    const st = s.createState();
    s.onBar(st, snap({ priorSessionLow: 8.1, sessionLow: 7.9 }), bar(8.1, 8.12, 7.9, 7.95, 3000));
    expect(s.onBar(st, snap({ priorSessionLow: 7.9, sessionLow: 7.9 }), bar(8.19, 8.3, 8.0, 8.2, 3000))).toBeNull(); // doji
    expect(s.onBar(st, snap({ priorSessionLow: 7.9, sessionLow: 7.9 }), bar(7.98, 8.3, 7.92, 8.25, 3000))).toBeNull();
  });

  it("resets on a new session", () => {
    const s = createBearTrap(cfg);
    const st = s.createState();
    s.onBar(st, snap({ priorSessionLow: 8.1, sessionLow: 7.9 }), bar(8.1, 8.12, 7.9, 7.95, 3000));
    const next = bar(7.98, 8.3, 7.92, 8.2, 3000);
    next.etDay = 19801;
    expect(s.onBar(st, snap({ priorSessionLow: 7.9, sessionLow: 7.9 }), next)).toBeNull();
  });

  it("skips when R would be non-positive or ATR is not warm", () => {
    const s = createBearTrap(cfg);
    expect(s.onBar(s.createState(), snap({ atr: NaN }), trap())).toBeNull();
    expect(s.onBar(s.createState(), snap({ volumeAvg: NaN }), trap())).toBeNull();
  });

  it("builds SPEC's default exit plan: 40% at mid-range, 30% at the session high, stop to support", () => {
    const s = createBearTrap(cfg);
    const sig = s.onBar(s.createState(), snap({ sessionHigh: 10.4 }), trap())!;
    const plan = s.exitPlan(sig, 8.4);
    expect(plan.targets.map((t) => [t.label, t.fraction])).toEqual([["tp1", 0.4], ["tp2", 0.3]]);
    expect(plan.targets[0].priceUsd).toBeCloseTo(9.4, 12);
    expect(plan.targets[1].priceUsd).toBe(10.4);
    expect(plan.stopMoveAfter).toEqual({ label: "tp2", stopUsd: 8.0 });
    expect(plan.timeStopMinutes).toBe(30);
    // No room above the entry: no targets, the stop/time/flatten manage it.
    expect(s.exitPlan(sig, 10.4).targets).toEqual([]);
  });
});
