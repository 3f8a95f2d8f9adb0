import { describe, expect, it } from "vitest";
import { ENTRY_FEATURES, entryFeatures } from "../../src/sizing/entry-features.ts";
import { KellyStatsStore, type KellySnapshot } from "../../src/sizing/kelly-stats.ts";
import { predict, type ConfidenceModel } from "../../src/sizing/logistic.ts";
import { createSizer, MODE_LAYERS, type SizingMode } from "../../src/sizing/pipeline.ts";
import type { RlPolicy } from "../../src/sizing/rl-port.ts";
import { FixedRlPolicy, configWith, identityModel, logit, makeInput, nonFiniteNumbers } from "./helpers.ts";

const MODES = Object.keys(MODE_LAYERS) as SizingMode[];

/** 18 wins at +2R and 32 losses at -1R: with the default prior, quarter Kelly = 1/52 = 1.923%. */
function kellySnapshot(): KellySnapshot {
  const store = new KellyStatsStore(50);
  let t = 0;
  for (let i = 0; i < 18; i++) store.add({ strategyId: "bear_trap", symbol: "ABC", rMultiple: 2, closeTimeMs: t++ });
  for (let i = 0; i < 32; i++) store.add({ strategyId: "bear_trap", symbol: "ABC", rMultiple: -1, closeTimeMs: t++ });
  return store.snapshot("bear_trap", "*", t);
}

/** A snapshot whose unshrunk full Kelly is 3.04% (quarter 0.76%): W 0.5, B = 0.5 / 0.4696. */
const SPEC_KELLY: KellySnapshot = {
  strategyId: "bear_trap",
  symbol: "*",
  n: 50,
  wins: 25,
  losses: 25,
  winRate: 0.5,
  avgWinR: 0.5 / 0.4696,
  avgLossR: 1,
  payoff: 0.5 / 0.4696,
  expectancyR: 0,
  fullKelly: 0.0304,
  halfKelly: 0.0152,
  quarterKelly: 0.0076,
  excludedAfterAsOf: 0,
};

describe("full decision, worked to the cent", () => {
  it("base 1% x kelly x conf x vol x rl x dd is the full size; the template orders its fraction", () => {
    const rl = new FixedRlPolicy(1.25);
    // Notional out of the way: this is the layers' arithmetic (the planned position's caps are in caps.test.ts).
    const sizer = createSizer(configWith({ mode: "full" }, { maxNotionalUsd: 1e6 }));
    const d = sizer.size(
      makeInput({
        equityUsd: 100_000,
        highWaterMarkUsd: 112_000,
        regime: { regime: "ADD_ALLOWED", probability: 0.7, reason: "tree leaf 3" },
        volatilityRatio: 1.3,
        trendStrength: 0.6,
        features: [logit(0.8)],
        context: { kelly: kellySnapshot(), confidenceModel: identityModel(), rlPolicy: rl },
      }),
    );
    // Full size: 1 x 1.923077 (Kelly 1/52 over 1%) x 1.5 x 0.85 x 1.25 x 0.5 (dd 10.7%) = 1.5324519%
    // -> $1,532.45 at risk / R $0.50 = 3064.9 -> 3064 shares. The initial 0.33 of it: 1011.12 -> 1011
    // shares, $20,220 notional, 0.5055% risk (0.5057% = 1.5325% x 0.33 before integer shares).
    expect(d.factors.map((f) => [f.name, f.factor])).toEqual([
      ["risk", 0.01],
      ["kelly", expect.closeTo(100 / 52, 12)],
      ["conf", 1.5],
      ["vol", 0.85],
      ["rl", 1.25],
      ["dd", 0.5],
      ["tmpl", 0.33],
    ]);
    expect(d.targetRiskPct).toBeCloseTo(0.50570913, 8);
    expect(d.qtyShares).toBe(1011);
    expect(d.riskPct).toBeCloseTo(0.5055, 12);
    expect(d.rPerShareUsd).toBeCloseTo(0.5, 12);
    expect(d.cap).toBeNull();
    expect(d.summary).toBe("risk 1% x kelly 1.92 x conf 1.5 x vol 0.85 x rl 1.25 x dd 0.5 -> 1.53% -> full 3064 sh x tmpl 0.33 -> 1011 sh (cap: none)");
    expect(d.fullSize).toEqual({ qtyShares: 3064, riskPct: expect.closeTo(1.532, 12), drawdownFactor: 0.5 });
    expect(d.factors.map((f) => f.reason)).toEqual([
      "base 1% of equity",
      "quarter Kelly 1.92% / base 1% (full 7.69%; W 0.40 B 1.86 n 50, data weight 71%)",
      "p 0.80 >= 0.75: x1.5",
      "ATR/avg 1.30 > 1.2: x0.85",
      "rl fixed 1.25",
      "drawdown 10.7% >= 10%: x0.5",
      "template aggressive: initial 0.33 of full size",
    ]);
    expect(d).toMatchObject({ mode: "full", baseRiskPct: 1, stage: { kind: "initial" }, rl: { action: 3, stateKey: "test" } });
    expect(d.probability).toBeCloseTo(0.8, 12);
    expect(d.drawdownPct).toBeCloseTo(10.7142857, 6);
    expect(d.template?.name).toBe("aggressive");
    expect(d.kelly?.fractionalKelly).toBeCloseTo(1 / 52, 12);
    // The RL state is what the policy saw.
    expect(rl.seen).toHaveLength(1);
    expect(rl.seen[0]).toMatchObject({ volatilityRatio: 1.3, trendStrength: 0.6, regime: "ADD_ALLOWED" });
    expect(rl.seen[0].confidence).toBeCloseTo(0.8, 12);
    expect(rl.seen[0].drawdownPct).toBeCloseTo(10.7142857, 6);
  });

  it("reproduces the brief's summary: risk 1% x kelly 0.76 x conf 1.5 x vol 0.85 x rl 1.25 x dd 1.0 -> 1.21% -> full 824 sh x tmpl 0.5 -> 412 sh", () => {
    const sizer = createSizer(configWith({ mode: "full", kelly: { priorStrength: 0 } }));
    const d = sizer.size(
      makeInput({
        entryPriceUsd: 30,
        stopUsd: 28.5305,
        regime: { regime: "ADD_NEUTRAL", probability: 0.6, reason: "" },
        volatilityRatio: 1.3,
        features: [logit(0.8)],
        context: { kelly: SPEC_KELLY, confidenceModel: identityModel(), rlPolicy: new FixedRlPolicy(1.25) },
      }),
    );
    // Full: 0.76 x 1.5 x 0.85 x 1.25 = 1.21125% of $100,000 = $1,211.25 / R $1.4695 = 824.26 -> 824;
    // half of it now: 412 (SPEC's 0.605625% -> 412 sh, with the full size in view).
    expect(d.factors[1].factor).toBeCloseTo(0.76, 10);
    expect(d.summary).toBe("risk 1% x kelly 0.76 x conf 1.5 x vol 0.85 x rl 1.25 x dd 1.0 -> 1.21% -> full 824 sh x tmpl 0.5 -> 412 sh (cap: none)");
  });

  it("names the cap that bound: max risk, notional, buying power", () => {
    const sizer = createSizer(configWith({ mode: "kelly", kelly: { priorStrength: 0 } }));
    const store = new KellyStatsStore(100);
    for (let i = 0; i < 100; i++) store.add({ strategyId: "s", symbol: "X", rMultiple: i < 55 ? 3.2 : -1.8, closeTimeMs: i });
    const kelly = store.snapshot("s", "X", 1000);
    // Quarter Kelly 7.42% -> capped at 5%: $5,000 / R $1 = 5000 sh at $5 = $25,000 notional.
    const d = sizer.size(makeInput({ entryPriceUsd: 5, stopUsd: 4, context: { kelly } }));
    expect(d).toMatchObject({ qtyShares: 5000, riskPct: 5, cap: "max risk 5%" });
    expect(d.summary).toBe("risk 1% x kelly 7.42 x dd 1.0 -> 7.42% -> 5000 sh (cap: max risk 5%)");
    expect(sizer.size(makeInput({ context: { kelly } })).cap).toBe("max notional $50000");
    expect(sizer.size(makeInput({ buyingPowerUsd: 1000, context: { kelly } }))).toMatchObject({ qtyShares: 50, cap: "buying power $1000.00" });
  });
});

describe("modes", () => {
  it("list exactly their layers (base and drawdown always)", () => {
    const names = (mode: SizingMode) => createSizer(configWith({ mode })).size(makeInput()).factors.map((f) => f.name);
    expect(names("fixed")).toEqual(["risk", "dd"]);
    expect(names("kelly")).toEqual(["risk", "kelly", "dd"]);
    expect(names("kelly_confidence")).toEqual(["risk", "kelly", "conf", "dd"]);
    expect(names("regime_template")).toEqual(["risk", "dd", "tmpl"]);
    expect(names("rl")).toEqual(["risk", "rl", "dd"]);
    expect(names("full")).toEqual(["risk", "kelly", "conf", "vol", "rl", "dd", "tmpl"]);
  });

  it("with nothing learned yet, every layer says why it is neutral", () => {
    const d = createSizer(configWith({ mode: "full" })).size(makeInput());
    expect(d.factors.slice(1).map((f) => `${f.name} ${f.factor}: ${f.reason}`)).toEqual([
      "kelly 1: kelly: n 0 < 20 closed trades: base risk",
      "conf 1: confidence model not trained (n < 30)",
      "vol 1: volatility ratio unknown: x1.0",
      "rl 1: rl not trained",
      "dd 1: drawdown 0.0% < 10%: x1.0",
      "tmpl 0.5: template normal: initial 0.5 of full size",
    ]);
    expect(d.summary).toBe("risk 1% x kelly 1.0 x conf 1.0 x vol 1.0 x rl 1.0 x dd 1.0 -> 1.00% -> full 2000 sh x tmpl 0.5 -> 1000 sh (cap: none)");
  });

  it("halt, drawdown halt and R <= 0 give zero shares in every mode", () => {
    for (const mode of MODES) {
      const sizer = createSizer(configWith({ mode }));
      expect(sizer.size(makeInput({ halted: "daily loss limit" }))).toMatchObject({ qtyShares: 0, riskPct: 0, cap: "halted: daily loss limit" });
      expect(sizer.size(makeInput({ equityUsd: 78_700, highWaterMarkUsd: 100_000 }))).toMatchObject({
        qtyShares: 0,
        cap: "dd 0: drawdown 21.3% >= 20%: new entries halted",
      });
      expect(sizer.size(makeInput({ stopUsd: 20 }))).toMatchObject({ qtyShares: 0, cap: "no risk: R <= 0" });
      expect(sizer.size(makeInput({ openPositions: 5 }))).toMatchObject({ qtyShares: 0, cap: "max open positions 5" });
    }
  });
});

describe("adds (worked examples in add-sizing.test.ts)", () => {
  it("are refused with a reason when the template, the mode or the position has none", () => {
    const sizer = createSizer(configWith({ mode: "regime_template" }));
    const position = { fullSize: { qtyShares: 2000, riskPct: 1, drawdownFactor: 1 }, heldQtyShares: 1000, avgPriceUsd: 20, boughtQtyShares: 1000 };
    // Without a pin the regime's template is used; conservative has no adds.
    const none = sizer.size(makeInput({ position, regime: { regime: "NO_ADD", probability: 1, reason: "" }, stage: { kind: "add", index: 0 } }));
    expect(none).toMatchObject({ qtyShares: 0, cap: "tmpl 0: template conservative has no add #1" });
    const gone = sizer.size(makeInput({ position, stage: { kind: "add", index: 0, template: "deleted" } }));
    expect(gone).toMatchObject({ qtyShares: 0, template: null, cap: "tmpl 0: template deleted is not configured: add not sized" });
    const orphan = sizer.size(makeInput({ entryPriceUsd: 20.5, stage: { kind: "add", index: 0, template: "normal" } }));
    expect(orphan).toMatchObject({ qtyShares: 0, cap: "no position: an add is a fraction of its entry's full size" });
  });

  it("are not sized in modes without a template", () => {
    const d = createSizer(configWith({ mode: "kelly" })).size(makeInput({ stage: { kind: "add", index: 0 } }));
    expect(d).toMatchObject({ qtyShares: 0, cap: "tmpl 0: mode kelly has no scaling template: adds are not sized" });
  });
});

describe("inputs", () => {
  it("feeds ENTRY_FEATURES from the signal when the caller gives none", () => {
    const model: ConfidenceModel = {
      ...identityModel(),
      featureNames: ENTRY_FEATURES,
      means: ENTRY_FEATURES.map(() => 0),
      stds: ENTRY_FEATURES.map(() => 1),
      weights: [0, 0, 0, 1, 0, 0, 0],
    };
    const input = makeInput({ context: { confidenceModel: model } });
    const d = createSizer(configWith({ mode: "kelly_confidence" })).size(input);
    expect(d.probability).toBeCloseTo(predict(model, entryFeatures(input.signal)), 15);
    expect(d.factors[2].factor).toBe(2); // sigmoid(1.8) = 0.858
  });

  it("replaces a broken RL factor by neutral 1.0, and caps still bound a huge one", () => {
    const broken: RlPolicy = { multiplier: () => ({ factor: NaN, reason: "x", action: 0, stateKey: "k" }) };
    const sizer = createSizer(configWith({ mode: "rl" }), { rlPolicy: broken });
    expect(sizer.size(makeInput()).factors[1]).toEqual({ name: "rl", factor: 1, reason: "rl policy returned factor NaN: neutral 1.0" });
    const huge = sizer.size(makeInput({ entryPriceUsd: 5, stopUsd: 4, context: { rlPolicy: new FixedRlPolicy(1e9) } }));
    expect(huge).toMatchObject({ riskPct: 5, cap: "max risk 5%" });
  });

  it("decisions are plain JSON with finite numbers (p is null, not NaN, when unknown)", () => {
    const d = createSizer(configWith({ mode: "full" })).size(makeInput());
    expect(nonFiniteNumbers(d)).toEqual([]);
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(d.probability).toBeNull();
  });

  it("rejects an unknown mode", () => {
    const cfg = configWith();
    expect(() => createSizer({ ...cfg, sizing: { ...cfg.sizing, mode: "yolo" as SizingMode } })).toThrow(/unknown sizing mode/);
  });
});
