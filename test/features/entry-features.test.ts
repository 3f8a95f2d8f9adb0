import { describe, expect, it } from "vitest";
import { createBarView } from "../../src/core/bars.ts";
import type { Signal } from "../../src/core/types.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { ENTRY_FEATURE_NAMES, FEATURE_CATALOGUE, FEATURE_GROUPS, MOMENTUM_LOOKBACKS, SIGNAL_FEATURE_NAMES } from "../../src/features/catalogue.ts";
import { entryFeatures, signalFeatureValues, type FeatureSnapshot } from "../../src/features/entry-features.ts";
import { pickFeatures, resolveFeatureSet } from "../../src/features/feature-set.ts";
import { Momentum } from "../../src/indicators/momentum.ts";
import { SymbolIndicators } from "../../src/indicators/indicator-set.ts";
import { ENTRY_FEATURES, entryFeatures as confidenceFeatures } from "../../src/sizing/entry-features.ts";
import { parseConfig } from "../../src/config/load.ts";

const day = isoToEtDay("2024-05-15");
const signal: Signal = {
  strategyId: "bear-trap", symbol: "XYZ", symId: 0, barTimeMs: etToUtcMs(day, 10 * 60 + 14), etDay: day, refPriceUsd: 8, stopPriceUsd: 7.6,
  atrUsd: 0.2, dayChangePct: -18, detail: { supportUsd: 7.65, reclaimedLevelUsd: 7.7, sessionHighUsd: 10, lowerWickRatio: 0.4, bodyRatio: 0.3, volumeRatio: 2.5 },
};
const snap: FeatureSnapshot = { atrPercentile: 87.5, trendStrength: 0.35, adx: 31, momentumPct: (n) => -n / 10 };

describe("feature catalogue", () => {
  it("names every feature once, in one order, each in one group", () => {
    expect(new Set(ENTRY_FEATURE_NAMES).size).toBe(ENTRY_FEATURE_NAMES.length);
    expect(FEATURE_CATALOGUE.map((f) => f.name)).toEqual(ENTRY_FEATURE_NAMES);
    expect([...FEATURE_GROUPS.structural, ...FEATURE_GROUPS.momentum].sort()).toEqual([...ENTRY_FEATURE_NAMES].sort());
    expect(FEATURE_GROUPS.momentum).toEqual(expect.arrayContaining(["trendStrength", "adx", ...MOMENTUM_LOOKBACKS.map((n) => `ret${n}Pct`)]));
  });

  it("is the confidence model's source of names: its features are the signal-only part, same order, same values", () => {
    expect(ENTRY_FEATURES).toBe(SIGNAL_FEATURE_NAMES);
    expect(ENTRY_FEATURE_NAMES.slice(0, SIGNAL_FEATURE_NAMES.length)).toEqual([...SIGNAL_FEATURE_NAMES]);
    const all = entryFeatures(signal, snap);
    expect(confidenceFeatures(signal)).toEqual(Array.from(all.values).slice(0, SIGNAL_FEATURE_NAMES.length));
  });
});

describe("entryFeatures", () => {
  it("computes each feature from the signal and the indicator snapshot", () => {
    const f = entryFeatures(signal, snap);
    expect(f.names).toBe(ENTRY_FEATURE_NAMES);
    const by = Object.fromEntries(f.names.map((n, i) => [n, f.values[i]]));
    expect(by).toEqual({
      dayChangePct: -18,
      lowerWickRatio: 0.4,
      bodyRatio: 0.3,
      volumeRatio: 2.5,
      atrPct: expect.closeTo(2.5, 12),
      rPct: expect.closeTo(5, 12),
      minutesSinceOpen: 45, // the 10:14 bar closes at 10:15
      atrPercentile: 87.5,
      trendStrength: 0.35,
      adx: 31,
      ret5Pct: -0.5,
      ret15Pct: -1.5,
      ret30Pct: -3,
      ret60Pct: -6,
    });
    expect(signalFeatureValues(signal)).toEqual(Array.from(f.values).slice(0, 7));
  });

  it("reads momentum from SymbolIndicators: close now / close n bars ago - 1, NaN until n + 1 bars", () => {
    const ind = new SymbolIndicators("XYZ");
    const v = createBarView();
    const closes: number[] = [];
    for (let i = 0; i < 70; i++) {
      const c = 10 + Math.sin(i / 3) + i / 50;
      closes.push(c);
      Object.assign(v, { tMs: etToUtcMs(day, 570 + i), open: c, high: c + 0.05, low: c - 0.05, close: c, volume: 1000, etDay: day, etMinute: 570 + i });
      ind.update(v);
      for (const n of MOMENTUM_LOOKBACKS) {
        if (i < n) expect(ind.momentumPct(n), `bar ${i}, ${n} bars`).toBeNaN();
        else expect(ind.momentumPct(n), `bar ${i}, ${n} bars`).toBeCloseTo((c / closes[i - n] - 1) * 100, 12);
      }
    }
    expect(new Momentum(10).returnPct(11)).toBeNaN();
  });
});

describe("feature sets", () => {
  it("resolves all, a group, or a list, and refuses unknown or repeated names", () => {
    expect(resolveFeatureSet("all")).toBe(ENTRY_FEATURE_NAMES);
    expect(resolveFeatureSet("structural")).toEqual(FEATURE_GROUPS.structural);
    expect(resolveFeatureSet("momentum")).toContain("ret15Pct");
    expect(resolveFeatureSet(["adx", "rPct"])).toEqual(["adx", "rPct"]);
    expect(() => resolveFeatureSet(["adx", "nope"])).toThrow(/unknown feature nope/);
    expect(() => resolveFeatureSet(["adx", "adx"])).toThrow(/twice/);
  });

  it("is chosen in config (regime.features), with unknown names refused at load", () => {
    expect(parseConfig({}).regime.features).toBe("all");
    expect(parseConfig({ regime: { features: "momentum" } }).regime.features).toBe("momentum");
    expect(parseConfig({ regime: { features: ["adx", "ret5Pct"] } }).regime.features).toEqual(["adx", "ret5Pct"]);
    expect(() => parseConfig({ regime: { features: ["adx", "bogus"] } })).toThrow(/regime\.features\.1/);
    expect(() => parseConfig({ regime: { features: "trend" } })).toThrow(/regime\.features/);
  });

  it("picks features by name, NaN for a name the vector lacks", () => {
    const f = entryFeatures(signal, snap);
    expect([...pickFeatures(f, ["adx", "dayChangePct"])]).toEqual([31, -18]);
    expect(pickFeatures({ names: ["adx"], values: [1] }, ["adx", "rPct"])[1]).toBeNaN();
  });
});
