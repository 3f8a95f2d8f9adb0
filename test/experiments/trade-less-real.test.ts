import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = resolve(import.meta.dirname, "../..");
const minuteDir = resolve(repoRoot, "../shared/data/bars/1min/2024q2");
const present = existsSync(minuteDir);

interface Ranked {
  rank: number | null;
  notRanked: string | null;
  name: string;
  trades: number;
  sharpe: number;
  beatsBaseline: boolean;
  vsBaseline: { sizeNeutral: Record<string, { improvement: number }>; dollars: Record<string, { improvement: number }> };
}

describe.skipIf(!present)(present ? "trading less cannot win (config/plans/trade-less.json on 2024q2)" : `trade-less plan: SKIPPED, ${minuteDir} is absent`, () => {
  it("ranks neither the no-trade nor the half-size variant above the baseline", () => {
    const state = mkdtempSync(join(tmpdir(), "sw-trade-less-"));
    const r = spawnSync(process.execPath, [resolve(repoRoot, "bin/sizewise.js"), "experiments", "--data", minuteDir, "--plan", resolve(repoRoot, "config/plans/trade-less.json"), "--workers", "1", "--json", "--state", state], { encoding: "utf8", env: { ...process.env, CI: "1" }, maxBuffer: 1 << 26 });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { ranked: Ranked[]; decision: { beatBaseline: unknown[]; chosen: string } };
    const by = Object.fromEntries(j.ranked.map((v) => [v.name, v]));
    expect(by.default.rank).toBe(1);
    expect(by.default.trades).toBeGreaterThanOrEqual(20);
    // No trades: Sharpe 0 against a losing baseline would have ranked it first; it is listed, not ranked.
    expect(by["no-trades"]).toMatchObject({ rank: null, notRanked: "0 trades < 20", beatsBaseline: false });
    expect(by["no-trades"].vsBaseline.sizeNeutral.sharpe.improvement).toBeGreaterThan(0);
    // Half size: the same trades, so the dollar dispersion is lower, but that is not a criterion.
    expect(by["half-size"].trades).toBe(by.default.trades);
    expect(by["half-size"].vsBaseline.dollars.pnlStdUsd.improvement).toBeGreaterThan(0);
    expect(by["half-size"].beatsBaseline).toBe(false);
    expect(by["half-size"].rank).toBeGreaterThan(1);
    expect(j.decision.beatBaseline).toEqual([]);
    expect(j.decision.chosen).toBe("default");
  });
});
