import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { createRegimeClassifier } from "../../src/regime/classifier.ts";
import { fitRegimeModel } from "../../src/regime/fit.ts";
import { depthOf } from "../../src/regime/tree.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const minuteDir = resolve(repoRoot, "../shared/data/bars/1min/2024q2");
const present = existsSync(minuteDir);

describe.skipIf(!present)(present ? "regime model on real Alpaca bars (../shared/data)" : `regime model on real bars: SKIPPED, ${minuteDir} is absent`, () => {
  const series = present ? loadBarDir(minuteDir, { cacheDir: null }).series : [];
  const juneMs = etToUtcMs(isoToEtDay("2024-06-01"), 0);

  it("with the default -15% setup there are too few trades in 2024q2 for a model (fail-safe NORMAL)", () => {
    const fit = fitRegimeModel({ config: parseConfig({}), source: seriesSource(series) });
    expect(fit.model).toBeNull();
    expect(fit.samples).toBeGreaterThan(10);
    expect(fit.reason).toMatch(/< regime.minSamples 40: no model/);
  });

  it("trained on April-May at -10%, it classifies June, each call a leaf of the tree or a named fail-safe", () => {
    const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "regime_template" }, regime: { minSamples: 30 } });
    const fit = fitRegimeModel({ config, source: seriesSource(series), toMs: juneMs });
    expect(fit.model, fit.reason).not.toBeNull();
    const m = fit.model!;
    expect(m.training).toMatchObject({ from: "2024-04-01", to: "2024-05-31" });
    expect(depthOf(m.tree)).toBeLessThanOrEqual(3);
    const june = runBacktest({ config, source: seriesSource(series), regime: createRegimeClassifier(m, config) }).engine.trades.filter((t) => t.entryTimeMs >= juneMs);
    expect(june.length).toBeGreaterThan(5);
    for (const t of june) expect(t.sizing.regime?.reason).toMatch(/^leaf \d+ |fail-safe NORMAL$/);
  });
});
