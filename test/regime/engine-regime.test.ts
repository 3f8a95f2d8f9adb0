import { describe, expect, it } from "vitest";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { ENTRY_FEATURE_NAMES } from "../../src/features/catalogue.ts";
import { createRegimeClassifier } from "../../src/regime/classifier.ts";
import { fitRegimeModel } from "../../src/regime/fit.ts";
import { FAIL_SAFE_REGIME_CALL, type NamedFeatures, type Regime, type RegimeCall, type RegimeClassifier } from "../../src/sizing/regime-port.ts";

const series = generateSeries({ seed: 11, symbols: 6, days: 25, selloffProb: 0.25 });
const cfg = (mode: "fixed" | "regime_template" | "full"): Config => parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode } });

/** Says `regime` every time and remembers what it was asked. */
class Recording implements RegimeClassifier {
  readonly calls: { names: readonly string[]; values: number[]; asOfMs: number | undefined }[] = [];
  constructor(private readonly regime: Regime) {}
  classify(f: NamedFeatures, asOfMs?: number): RegimeCall {
    this.calls.push({ names: f.names, values: Array.from(f.values), asOfMs });
    return { regime: this.regime, probability: 0.9, reason: `always ${this.regime}` };
  }
}

const run = (config: Config, regime?: RegimeClassifier, events = {}) => runBacktest({ config, source: seriesSource(series), regime, events });
const fingerprint = (r: ReturnType<typeof run>) => JSON.stringify({ trades: r.engine.trades.map((t) => [t.id, t.shares, t.exits, t.pnlUsd, t.template]), daily: r.engine.daily });

describe("the engine's regime call", () => {
  it("asks the injected classifier once per entry, with every entry feature by name, as of the signal bar's close", () => {
    const clf = new Recording("ADD_ALLOWED");
    const seen: { sig: number; features: NamedFeatures; call: RegimeCall }[] = [];
    const r = run(cfg("regime_template"), clf, { regime: (s: { barTimeMs: number }, features: NamedFeatures, call: RegimeCall) => seen.push({ sig: s.barTimeMs, features, call }) });
    expect(r.engine.trades.length).toBeGreaterThan(5);
    expect(clf.calls).toHaveLength(seen.length);
    // Adds are sized under the entry's call: no second classification.
    expect(r.engine.trades.some((t) => t.addSizing.length > 0)).toBe(true);
    clf.calls.forEach((c, i) => {
      expect(c.names).toEqual(ENTRY_FEATURE_NAMES);
      expect(c.values).toEqual(Array.from(seen[i].features.values));
      expect(c.asOfMs).toBe(seen[i].sig + 60_000);
      expect(seen[i].call.reason).toBe("always ADD_ALLOWED");
    });
  });

  it("picks the template from the call and records the call in the sizing decision", () => {
    for (const [regime, template] of [["ADD_ALLOWED", "aggressive"], ["NO_ADD", "conservative"], ["ADD_NEUTRAL", "normal"]] as const) {
      const r = run(cfg("regime_template"), new Recording(regime));
      for (const t of r.engine.trades) {
        expect(t.template).toBe(template);
        expect(t.sizing.regime).toEqual({ regime, probability: 0.9, reason: `always ${regime}` });
        for (const a of t.addSizing) expect(a.regime?.regime).toBe(regime);
      }
    }
  });

  it("without a classifier, or with one that always answers the fail-safe, runs exactly as before", () => {
    const failSafe: RegimeClassifier = { classify: () => FAIL_SAFE_REGIME_CALL };
    for (const mode of ["fixed", "regime_template", "full"] as const) {
      const none = run(cfg(mode));
      expect(fingerprint(run(cfg(mode), failSafe)), mode).toBe(fingerprint(none));
      expect(fingerprint(run(cfg(mode), createRegimeClassifier(null, cfg(mode)))), mode).toBe(fingerprint(none));
    }
  });

  it("survives a classifier that throws: fail-safe NORMAL, an error event, and the run goes on", () => {
    const errors: string[] = [];
    const boom: RegimeClassifier = {
      classify: () => {
        throw new Error("boom");
      },
    };
    let classified = 0;
    const r = run(cfg("regime_template"), boom, { error: (m: string) => errors.push(m), regime: () => classified++ });
    expect(r.engine.trades.length).toBeGreaterThan(5);
    expect(errors).toHaveLength(classified);
    expect(errors[0]).toMatch(/regime classifier failed on .*: boom/);
    for (const t of r.engine.trades) {
      expect(t.template).toBe("normal");
      expect(t.sizing.regime?.reason).toBe("regime classifier failed (boom): fail-safe NORMAL");
    }
  });

  it("a model fitted on the first weeks classifies the later ones, and answers fail-safe inside its own training period", () => {
    const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "regime_template" }, regime: { minSamples: 30, minLeafSamples: 5, minProbability: 0 } });
    const big = generateSeries({ seed: 7, symbols: 10, days: 60, selloffProb: 0.3 });
    const splitMs = big[0].tMs[Math.floor(big[0].length * 0.6)];
    const fit = fitRegimeModel({ config, source: seriesSource(big), toMs: splitMs });
    expect(fit.model).not.toBeNull();
    const r = runBacktest({ config, source: seriesSource(big), regime: createRegimeClassifier(fit.model, config) });
    const inside = r.engine.trades.filter((t) => t.signal.barTimeMs + 60_000 < fit.model!.training.toMs);
    const after = r.engine.trades.filter((t) => t.signal.barTimeMs + 60_000 >= fit.model!.training.toMs);
    expect(inside.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    for (const t of inside) expect(t.sizing.regime?.reason).toMatch(/not after the model's training data/);
    for (const t of after) expect(t.sizing.regime?.reason).toMatch(/^leaf \d+ /);
  });
});
