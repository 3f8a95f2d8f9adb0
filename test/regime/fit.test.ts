import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { FEATURE_GROUPS } from "../../src/features/catalogue.ts";
import { createRegimeClassifier } from "../../src/regime/classifier.ts";
import { fitRegimeModel } from "../../src/regime/fit.ts";
import { loadRegimeModel, saveRegimeModel, tryLoadRegimeModel } from "../../src/regime/model-file.ts";
import { regimeModelSchema } from "../../src/regime/model.ts";
import { inSampleReport } from "../../src/regime/report.ts";
import { depthOf, leavesOf, type TreeNode } from "../../src/regime/tree.ts";
import { REGIMES } from "../../src/sizing/regime-port.ts";

const series = generateSeries({ seed: 7, symbols: 10, days: 60, selloffProb: 0.3 });
const config = parseConfig({ strategy: { minDayChangePct: -10 }, regime: { minSamples: 30, minLeafSamples: 6 } });
const fit = fitRegimeModel({ config, source: seriesSource(series) });
const model = fit.model!;

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);

function splitsOf(n: TreeNode): string[] {
  return n.kind === "leaf" ? [] : [n.feature, ...splitsOf(n.below), ...splitsOf(n.atOrAbove)];
}

describe("fitRegimeModel on generated bars", () => {
  it("fits a depth <= 3 tree on the labelled trades, every leaf holding at least minLeafSamples", () => {
    expect(model).not.toBeNull();
    expect(fit.samples).toBeGreaterThan(60);
    expect(fit.samples).toBe(fit.used.length);
    expect(fit.reason).toMatch(/^fitted on \d+ labelled trades/);
    expect(depthOf(model.tree)).toBeGreaterThan(0);
    expect(depthOf(model.tree)).toBeLessThanOrEqual(3);
    for (const leaf of leavesOf(model.tree)) expect(sum(leaf.counts)).toBeGreaterThanOrEqual(6);
  });

  it("keeps class counts per node that add up: the root is the label count, leaves partition the samples", () => {
    const labels = REGIMES.map((r) => fit.used.filter((s) => s.label === r).length);
    expect(model.tree.counts).toEqual(labels);
    expect(model.training.classCounts).toEqual(labels);
    const leafTotals = REGIMES.map((_, k) => sum(leavesOf(model.tree).map((l) => l.counts[k])));
    expect(leafTotals).toEqual(labels);
    expect(sum(Object.values(model.importance))).toBeCloseTo(1, 12);
  });

  it("records the feature list, training period, sample count, fingerprint and config, and validates", () => {
    expect(regimeModelSchema.safeParse(model).success).toBe(true);
    expect(model.features).toHaveLength(14);
    expect(model.training).toMatchObject({ from: "2024-01-02", samples: fit.samples, trades: fit.sampleSet.trades, symbols: series.map((s) => s.symbol) });
    expect(model.training.toMs).toBe(Math.max(...series.map((s) => s.tMs[s.length - 1])) + 60_000);
    expect(model.training.dataFingerprint).toMatch(/^[0-9a-f]{40}$/);
    expect((model.config as { regime: { minSamples: number } }).regime.minSamples).toBe(30);
  });

  it("is deterministic, and its fingerprint changes when one bar does", () => {
    const again = fitRegimeModel({ config, source: seriesSource(series) });
    expect(again.model).toEqual(model);
    const changed: BarSeries[] = series.map((s, i) => (i === 3 ? { ...s, volume: Float64Array.from(s.volume, (v, k) => (k === 100 ? v + 1 : v)) } : s));
    expect(fitRegimeModel({ config, source: seriesSource(changed) }).model!.training.dataFingerprint).not.toBe(model.training.dataFingerprint);
  });

  it("splits only on the configured feature set", () => {
    const m = fitRegimeModel({ config: parseConfig({ ...JSON.parse(JSON.stringify(config)), regime: { ...config.regime, features: "structural" } }), source: seriesSource(series) }).model!;
    expect(m.features).toEqual(FEATURE_GROUPS.structural);
    for (const f of splitsOf(m.tree)) expect(FEATURE_GROUPS.structural).toContain(f);
  });

  it("returns no model, with the reason, when there are fewer samples than regime.minSamples", () => {
    const r = fitRegimeModel({ config: parseConfig({ strategy: { minDayChangePct: -10 }, regime: { minSamples: 5000 } }), source: seriesSource(series) });
    expect(r.model).toBeNull();
    expect(r.samples).toBe(fit.samples);
    expect(r.reason).toBe(`${fit.samples} labelled trades < regime.minSamples 5000: no model, fail-safe NORMAL`);
  });

  it("trains only on [fromMs, toMs): its period, trades and labels stay inside", () => {
    const fromMs = etToUtcMs(isoToEtDay("2024-01-15"), 0);
    const toMs = etToUtcMs(isoToEtDay("2024-02-15"), 0);
    const w = fitRegimeModel({ config, source: seriesSource(series), fromMs, toMs });
    expect(w.sampleSet.firstMs).toBeGreaterThanOrEqual(fromMs);
    expect(w.sampleSet.endMs).toBeLessThanOrEqual(toMs);
    expect(w.sampleSet.trades).toBeLessThan(fit.sampleSet.trades);
    for (const s of w.used) expect(s.entryTimeMs >= fromMs && s.labelKnownMs <= toMs).toBe(true);
    if (w.model) expect(w.model.training).toMatchObject({ from: "2024-01-15", to: "2024-02-14" });
  });

  it("in-sample report: the confusion matrix covers every sample; outcomes per predicted regime add up", () => {
    const r = inSampleReport(model, fit.used, fit.sampleSet.featureNames, config);
    expect(sum(r.confusion.flat())).toBe(fit.samples);
    expect(r.confusion.map((row) => sum(row))).toEqual(model.tree.counts);
    expect(sum(r.byPredicted.map((o) => o.trades))).toBe(fit.samples);
    expect(sum(r.byCall.map((o) => o.trades))).toBe(fit.samples);
    expect(r.accuracy).toBeGreaterThan(0);
    expect(r.importance[0].importance).toBeGreaterThan(0);
  });
});

describe("model file", () => {
  const dir = mkdtempSync(join(tmpdir(), "sw-regime-"));

  it("saves and loads the same model, and a classifier from it answers as the original", () => {
    const file = join(dir, "m.json");
    saveRegimeModel(file, model);
    const back = loadRegimeModel(file, () => expect.fail("no warning expected"));
    expect(back).toEqual(model);
    const s = fit.used[0];
    const names = fit.sampleSet.featureNames;
    const later = model.training.toMs + 60_000;
    expect(createRegimeClassifier(back, config).classify({ names, values: s.features }, later)).toEqual(
      createRegimeClassifier(model, config).classify({ names, values: s.features }, later),
    );
  });

  it("a missing or bad file gives null and a message naming it, never a crash", () => {
    const cases: [string, string, RegExp][] = [
      ["missing.json", "", /missing\.json: no regime model file/],
      ["bad.json", "{ not json", /bad\.json: not valid JSON/],
      ["other.json", JSON.stringify({ format: "something-else" }), /not a regime model file/],
      ["v9.json", JSON.stringify({ ...model, version: 9 }), /unsupported regime model version 9/],
      ["feature.json", JSON.stringify({ ...model, tree: { ...model.tree, feature: "nope" } }), /split on "nope", which is not in features/],
      ["unknown-feature.json", JSON.stringify({ ...model, features: [...model.features, "mystery"] }), /model uses feature mystery, which this build does not compute/],
      ["counts.json", JSON.stringify({ ...model, tree: { kind: "leaf", id: 1, counts: [1, 2] } }), /malformed regime model: tree/],
    ];
    for (const [name, text, want] of cases) {
      const file = join(dir, name);
      if (text) writeFileSync(file, text);
      const msgs: string[] = [];
      expect(loadRegimeModel(file, (m) => msgs.push(m)), name).toBeNull();
      expect(msgs, name).toHaveLength(1);
      expect(msgs[0], name).toMatch(want);
      expect(msgs[0], name).toMatch(/fall back to NORMAL/);
    }
    expect(tryLoadRegimeModel(join(dir, "missing.json"))).toMatchObject({ ok: false, missing: true });
  });
});
