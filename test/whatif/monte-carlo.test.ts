import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { monteCarlo } from "../../src/whatif/monte-carlo.ts";
import { standardRules, toUnits, type SizingRule } from "../../src/whatif/replay.ts";
import type { WhatIfTrade } from "../../src/whatif/trade-csv.ts";
import { histogram, monteCarloHtml } from "../../src/report/monte-carlo-html.ts";

const DAY = 86_400_000;
const rng = new SeededRng(12);
// 120 trades over 60 days, two a day, R from a 45% win rate at 2:1.
const raw: WhatIfTrade[] = Array.from({ length: 120 }, (_, i) => {
  const open = Date.UTC(2024, 0, 2) + Math.floor(i / 2) * DAY + 15 * 3_600_000 + (i % 2) * 600_000;
  const r = rng.chance(0.45) ? 2 : -1;
  return { line: i + 1, openedMs: open, closedMs: open + 3_600_000, symbol: "X", strategy: "s", pnlUsd: r * 100, r, marginUsd: null, contracts: 1 };
});
const { trades } = toUnits(raw);
const rules = standardRules({ fraction: 0.02, minSample: 20, window: 50, inSample: false, strategyKelly: new Map() });
const fixedFraction = rules.find((r) => r.name === "fixed fraction")!;
const same: SizingRule = { ...fixedFraction, name: "fixed fraction again" };

describe("Monte Carlo of sizing rules", () => {
  it("shuffle: a fixed fraction ends at the same equity in every order, while its drawdown varies", () => {
    const mc = monteCarlo(trades, [fixedFraction, same], 100_000, { method: "shuffle", runs: 200, seed: 1, drawdownPct: 10 });
    const e = mc.rules[0].endingEquityUsd;
    expect(e.p95 - e.p5).toBeLessThan(1e-6 * e.p50);
    expect(mc.rules[0].maxDrawdownPct.p95).toBeGreaterThan(mc.rules[0].maxDrawdownPct.p5);
    expect(mc.rules[0].probDrawdown).toBe(mc.rules[0].drawdowns.filter((d) => d >= 10).length / 200);
    // The same rule on the same sequences: no difference at all, nothing to detect.
    const d = mc.rules[1].vsFirst!;
    expect([d.returnPct.lo, d.returnPct.hi, d.maxDrawdownPct.lo, d.maxDrawdownPct.hi]).toEqual([0, 0, 0, 0]);
    expect(d.returnPct.verdict).toBe("cannot separate");
    expect(d.returnPct.tradesNeeded).toBeNull();
  });

  it("bootstrap and day blocks are seeded: same seed, same distributions; a bigger stake has deeper drawdowns", () => {
    const big: SizingRule = { ...fixedFraction, name: "6%", fraction: () => ({ f: 0.06, why: "" }) };
    for (const method of ["bootstrap", "days"] as const) {
      const a = monteCarlo(trades, [fixedFraction, big], 100_000, { method, runs: 300, seed: 5, drawdownPct: 20 });
      const b = monteCarlo(trades, [fixedFraction, big], 100_000, { method, runs: 300, seed: 5, drawdownPct: 20 });
      expect(a).toEqual(b);
      expect(a.rules[1].maxDrawdownPct.p50).toBeGreaterThan(a.rules[0].maxDrawdownPct.p50);
      expect(a.rules[1].vsFirst!.maxDrawdownPct.verdict).toBe("worse");
      expect(a.rules[1].probDrawdown).toBeGreaterThanOrEqual(a.rules[0].probDrawdown);
    }
  });

  it("refuses bad options", () => {
    expect(() => monteCarlo(trades, rules, 100_000, { method: "shuffle", runs: 3, seed: 1, drawdownPct: 10 })).toThrow(/runs/);
    expect(() => monteCarlo(trades, rules, 100_000, { method: "shuffle", runs: 100, seed: 1, drawdownPct: 0 })).toThrow(/drawdown/);
  });

  it("the HTML report draws a histogram of ending equity and of max drawdown per rule", () => {
    const mc = monteCarlo(trades, rules, 100_000, { method: "bootstrap", runs: 100, seed: 2, drawdownPct: 15 });
    const html = monteCarloHtml("t.csv", [mc]);
    expect(html.match(/<svg class="hist"/g)).toHaveLength(rules.length * 2);
    expect(html).toContain("P(DD &gt;= 15%)");
    expect(histogram([0, 0.5, 1, 1], 0, 1, 2)).toEqual([1, 3]);
  });
});

describe("compare --monte-carlo", () => {
  it("resamples each mode's own trades at their dollar P/L: a shuffle keeps each mode's ending equity", async () => {
    const { generateSeries } = await import("../../src/data/generator.ts");
    const { compareModes } = await import("../../src/backtest/compare.ts");
    const { parseConfig } = await import("../../src/config/load.ts");
    const { modesMonteCarlo } = await import("../../src/cli/compare-cmd.ts");
    const config = parseConfig({ strategy: { minDayChangePct: -10 } });
    const cmp = compareModes({ config, series: generateSeries({ seed: 3, symbols: 8, days: 40, selloffProb: 0.12 }), modes: ["fixed", "full"] });
    const mc = modesMonteCarlo(cmp, 100_000, { method: "shuffle", runs: 50, seed: 1, drawdownPct: 5, level: 0.95 });
    expect(mc.rules.map((r) => r.rule)).toEqual(["fixed", "full"]);
    cmp.modes.forEach((m, i) => {
      const pnl = m.run.engine.trades.reduce((a, t) => a + t.pnlUsd, 0);
      expect(mc.rules[i].endingEquityUsd.p50).toBeCloseTo(100_000 + pnl, 6);
      expect(mc.rules[i].endingEquityUsd.p5).toBeCloseTo(100_000 + pnl, 6);
    });
  });
});
