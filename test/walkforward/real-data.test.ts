import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "../..");
const minuteDir = resolve(repoRoot, "../shared/data/bars/1min/2024q2");
const present = existsSync(minuteDir);

interface WalkForwardJson {
  days: number;
  folds: { fold: number; train: { from: string; to: string; days: number }; test: { from: string; to: string; days: number }; modes: Record<string, { trades: number; returnPct: number }> }[];
  outOfSample: { from: string; to: string; days: number; modes: Record<string, { trades: number; metrics: Record<string, number> }>; criteria: Record<string, { sizeNeutral: Record<string, { improvement: number }>; dollars: Record<string, { improvement: number }> }> };
  holdout: null;
}

describe.skipIf(!present)(present ? "walkforward on real Alpaca bars (../shared/data)" : `walkforward on real Alpaca bars: SKIPPED, ${minuteDir} is absent`, () => {
  it("walkforward --json over 2024q2: 3 rolling folds, every mode out of sample, finite figures", () => {
    const state = mkdtempSync(join(tmpdir(), "sw-wf-real-"));
    const r = spawnSync(process.execPath, [resolve(repoRoot, "bin/sizewise.js"), "walkforward", "--data", minuteDir, "--json", "--state", state], { encoding: "utf8", env: { ...process.env, CI: "1" }, maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as WalkForwardJson;
    expect(j.days).toBe(63);
    expect(j.folds.map((f) => [f.train.from, f.test.from, f.test.to])).toEqual([
      ["2024-04-01", "2024-05-29", "2024-06-11"],
      ["2024-04-15", "2024-06-12", "2024-06-26"],
      ["2024-04-29", "2024-06-27", "2024-06-28"],
    ]);
    expect([j.outOfSample.from, j.outOfSample.to, j.outOfSample.days]).toEqual(["2024-05-29", "2024-06-28", 22]);
    expect(Object.keys(j.outOfSample.modes)).toEqual(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]);
    for (const [mode, m] of Object.entries(j.outOfSample.modes)) {
      expect(m.trades, mode).toBe(j.folds.reduce((a, f) => a + f.modes[mode].trades, 0));
      expect(m.trades, mode).toBeGreaterThan(5);
      for (const [k, v] of Object.entries(m.metrics)) expect(Number.isFinite(v), `${mode}.${k}`).toBe(true);
      for (const [k, v] of Object.entries({ ...j.outOfSample.criteria[mode].sizeNeutral, ...j.outOfSample.criteria[mode].dollars })) expect(Number.isFinite(v.improvement), `${mode}.${k}`).toBe(true);
    }
    expect(j.holdout).toBeNull();
  });
});
