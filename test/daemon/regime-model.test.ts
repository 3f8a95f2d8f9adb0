import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { runLocal } from "../../src/daemon/run-local.ts";
import { readJournal } from "../../src/store/journal.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { parseConfig } from "../../src/config/load.ts";
import { fitRegimeModel } from "../../src/regime/fit.ts";
import { saveRegimeModel } from "../../src/regime/model-file.ts";
import { RUN_MODEL_FILE } from "../../src/daemon/run-regime-model.ts";

describe("the daemon trades with the regime model of its run", () => {
  it("copies the configured model at a new run, classifies with it, and a resumed run keeps that copy", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sw-regime-"));
    const modelPath = join(dir, "regime-model.json");
    const raw = {
      strategy: { minDayChangePct: -10 },
      sizing: { mode: "regime_template" },
      regime: { modelPath, minSamples: 6, minLeafSamples: 2, minProbability: 0, maxAgeDays: 400 },
    };
    const config = parseConfig(raw);
    const history = generateSeries({ seed: 3, symbols: 8, days: 20, selloffProb: 0.3 });
    const fit = fitRegimeModel({ config, source: seriesSource(history) });
    expect(fit.model, fit.reason).not.toBeNull();
    saveRegimeModel(modelPath, fit.model!);

    const stateDir = join(dir, "state");
    const later = generateSeries({ seed: 5, symbols: history.map((s) => s.symbol), days: 6, startDay: "2024-03-04", selloffProb: 0.3 });
    const r = await runLocal({ config, series: later, stateDir, log: pino({ level: "silent" }) });
    expect(r.trades.length).toBeGreaterThan(0);
    expect(existsSync(join(stateDir, RUN_MODEL_FILE))).toBe(true);
    const events = readJournal(stateDir, "2024-03-04");
    expect(events.find((e) => e.type === "reconcile" && e.kind === "regime_model")).toMatchObject({ model: { features: fit.model!.features }, note: expect.stringMatching(/copied for this run/) });
    // Every entry was classified by the tree, not the fail-safe.
    for (const t of r.trades) expect(t.sizing.regime?.reason ?? "").not.toMatch(/fail-safe/);

    // A retrain rewrites the configured file (here: breaks it); the run still has its own copy.
    writeFileSync(modelPath, "{ not a model");
    const { chooseRunModel } = await import("../../src/daemon/run-regime-model.ts");
    expect(chooseRunModel(stateDir, config, true).model).toEqual(fit.model);
    expect(chooseRunModel(stateDir, config, false)).toMatchObject({ model: null, note: expect.stringMatching(/fail-safe NORMAL/) });
  }, 120_000);
});
