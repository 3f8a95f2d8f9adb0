import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { KellyStatsStore, type KellySnapshot } from "../../src/sizing/kelly-stats.ts";
import { createSizer, type PipelineDecision } from "../../src/sizing/pipeline.ts";
import type { Regime } from "../../src/sizing/regime-port.ts";
import type { SizingInput } from "../../src/sizing/sizer.ts";
import { FixedRlPolicy, configWith, makeInput } from "./helpers.ts";

/** The Kelly history: W 0.6, B 2, n 50 (30 wins of +2R, 20 losses of -1R). */
function goodKelly(): KellySnapshot {
  const store = new KellyStatsStore(50);
  for (let i = 0; i < 50; i++) store.add({ strategyId: "bear_trap", symbol: "ABC", rMultiple: i % 5 < 3 ? 2 : -1, closeTimeMs: i });
  return store.snapshot("bear_trap", "*", 50);
}

interface Leg {
  readonly priceUsd: number;
  readonly equityUsd?: number;
  readonly highWaterMarkUsd?: number;
  readonly buyingPowerUsd?: number;
}

/**
 * An entry at `entry`, then each add at its leg's price, every order filling at its expected price:
 * the decisions and the position's risk to the stop (% of the equity at each order) and notional.
 */
function position(cfg: Config, base: Partial<SizingInput>, regime: Regime, entry: Leg, adds: readonly Leg[]) {
  const sizer = createSizer(cfg);
  const call = { regime, probability: 0.9, reason: "test" };
  const first = sizer.size(makeInput({ ...base, regime: call, entryPriceUsd: entry.priceUsd, equityUsd: entry.equityUsd ?? 100_000, highWaterMarkUsd: entry.highWaterMarkUsd, buyingPowerUsd: entry.buyingPowerUsd ?? 1e6 }));
  const stop = base.stopUsd ?? 19.5;
  let held = first.qtyShares;
  let cost = held * entry.priceUsd;
  const decisions: PipelineDecision[] = [first];
  const riskPct: number[] = [((held * (entry.priceUsd - stop)) / (entry.equityUsd ?? 100_000)) * 100];
  adds.forEach((leg, index) => {
    const e = leg.equityUsd ?? 100_000;
    const d = sizer.size(
      makeInput({
        ...base,
        regime: call,
        entryPriceUsd: leg.priceUsd,
        equityUsd: e,
        highWaterMarkUsd: leg.highWaterMarkUsd,
        buyingPowerUsd: leg.buyingPowerUsd ?? 1e6,
        stage: { kind: "add", index, template: first.template!.name },
        position: { fullSize: first.fullSize, heldQtyShares: held, avgPriceUsd: held > 0 ? cost / held : 0, boughtQtyShares: held },
      }),
    );
    decisions.push(d);
    held += d.qtyShares;
    cost += d.qtyShares * leg.priceUsd;
    riskPct.push(((cost - held * stop) / e) * 100);
  });
  return { decisions, held, cost, riskPct };
}

describe("adds are fractions of the full size decided at entry", () => {
  it("issue 17: full mode, good Kelly, ADD_ALLOWED, entry 10 stop 8: 8.51% at risk before, at most 5% now", () => {
    const rl = new FixedRlPolicy(1);
    const cfg = configWith({ mode: "full" });
    const base = { stopUsd: 8, context: { kelly: goodKelly(), rlPolicy: rl } };
    const p = position(cfg, base, "ADD_ALLOWED", { priceUsd: 10 }, [{ priceUsd: 11 }, { priceUsd: 12 }]);
    const [entry, add1, add2] = p.decisions;
    // The layers want ~8.5% (what each order used to take 0.33/0.33/0.34 of, from its own price);
    // the planned position (0.33 at 10, 0.33 at 11, 0.34 at 12 over a stop of 8) risks $3.01 per
    // full-size share, so the full size is $5,000 / $3.01 = 1661 shares.
    expect(entry.fullSize!.qtyShares).toBe(1661);
    expect(entry.cap).toBe("max risk 5% (position with its adds)");
    expect(p.decisions.map((d) => d.qtyShares)).toEqual([548, 548, 564]);
    expect(p.riskPct.at(-1)).toBeLessThanOrEqual(5);
    expect(p.riskPct.at(-1)).toBeCloseTo(4.996, 3);
    expect(add1.summary).toBe("add 1: 0.33 of full 1661 sh x dd 1.0 -> 548 sh (cap: none)");
    expect(add2.factors).toEqual([
      { name: "tmpl", factor: 0.34, reason: "add 2: 0.34 of the full size 1661 sh decided at entry (template aggressive, at +1R)" },
      { name: "dd", factor: 1, reason: "drawdown 0.0% < 10%: x1.0, as at entry" },
    ]);
    expect(add2.positionAfter).toEqual({ qtyShares: 1660, riskPct: expect.closeTo(4.996, 9), notionalUsd: 1660 * 12 });
    // No learned layer ran for the adds: the RL policy was asked once, at the entry.
    expect(rl.seen).toHaveLength(1);
    expect([add1.rl, add1.kelly, add1.probability]).toEqual([null, null, null]);
  });

  it("applies the 0.2% floor once, to the full size (the issue's riskPct 0.3 gave 0.2 + 0.2 + 0.2)", () => {
    const cfg = configWith({ mode: "regime_template", riskPct: 0.3 });
    // R 0.5: adds at 20.25 and 20.5.
    const p = position(cfg, {}, "ADD_ALLOWED", { priceUsd: 20 }, [{ priceUsd: 20.25 }, { priceUsd: 20.5 }]);
    // Full size 0.3% of $100k / $0.50 = 600 shares; orders of 0.33, 0.33, 0.34 of it.
    expect(p.decisions[0].fullSize!.qtyShares).toBe(600);
    expect(p.decisions.map((d) => d.qtyShares)).toEqual([198, 198, 204]);
    expect(p.decisions.map((d) => d.cap)).toEqual([null, null, null]);
    // The entry risks 0.099%: below the floor, because the floor is the full size's, not the order's.
    expect(p.decisions[0].riskPct).toBeCloseTo(0.099, 9);
  });

  it("a drawdown cut halves every order (the issue: 1% x 0.5 x 0.33 was raised to 0.2%, a cut of about x0.6)", () => {
    const cfg = configWith({ mode: "regime_template" });
    const at15 = { equityUsd: 85_000, highWaterMarkUsd: 100_000 };
    const cut = position(cfg, {}, "ADD_ALLOWED", { priceUsd: 20, ...at15 }, [{ priceUsd: 20.25, ...at15 }]);
    const none = position(cfg, {}, "ADD_ALLOWED", { priceUsd: 20, equityUsd: 85_000 }, [{ priceUsd: 20.25, equityUsd: 85_000 }]);
    expect(none.decisions.map((d) => d.qtyShares)).toEqual([561, 561]); // 0.33 of 1700
    expect(cut.decisions.map((d) => d.qtyShares)).toEqual([280, 280]); // 0.33 of 850
    expect(cut.decisions[0].riskPct).toBeCloseTo(0.1647, 3);
  });

  it("a later, deeper drawdown lowers an add; a lighter one never raises it; the halt stops it", () => {
    const cfg = configWith({ mode: "regime_template" });
    const deeper = position(cfg, {}, "ADD_NEUTRAL", { priceUsd: 20 }, [{ priceUsd: 20.25, equityUsd: 88_000, highWaterMarkUsd: 100_000 }]);
    // Full 2000 sh at dd x1.0; the add (0.25) at 12% drawdown: x0.5 -> 250 shares.
    expect(deeper.decisions[1].qtyShares).toBe(250);
    expect(deeper.decisions[1].factors[1]).toEqual({ name: "dd", factor: 0.5, reason: "drawdown 12.0% >= 10%: x0.5; the entry was sized under x1.0: add x0.5" });
    const lighter = position(cfg, {}, "ADD_NEUTRAL", { priceUsd: 20, equityUsd: 88_000, highWaterMarkUsd: 100_000 }, [{ priceUsd: 20.25, equityUsd: 100_000 }]);
    // Full 880 sh (1% x0.5 of $88,000 / $0.50); the add stays 0.25 x 880 = 220 although the drawdown is gone.
    expect(lighter.decisions[1]).toMatchObject({ qtyShares: 220, factors: [{ name: "tmpl" }, { name: "dd", factor: 1 }] });
    expect(lighter.decisions[1].factors[1].reason).toBe("drawdown 0.0% < 10%: x1.0; the entry was sized under x0.5: an add is never raised");
    const halted = position(cfg, {}, "ADD_NEUTRAL", { priceUsd: 20 }, [{ priceUsd: 20.25, equityUsd: 79_000, highWaterMarkUsd: 100_000 }]);
    expect(halted.decisions[1]).toMatchObject({ qtyShares: 0, cap: "dd 0: drawdown 21.0% >= 20%: new entries halted" });
  });

  it("keeps the position's notional within $50,000 through its adds (issue 17: $49,983 then $81,385)", () => {
    const cfg = configWith({ mode: "full" });
    // A cheap stock with a tight stop: the layers want far more than $50,000.
    const p = position(cfg, { stopUsd: 9.9, context: { kelly: goodKelly() } }, "ADD_NEUTRAL", { priceUsd: 10 }, [{ priceUsd: 10.05 }]);
    expect(p.decisions[0].cap).toBe("max notional $50000 (position with its adds)");
    expect(p.cost).toBeLessThanOrEqual(50_000);
    expect(p.held * 10.05).toBeLessThanOrEqual(50_000);
    // A slipped fill above the trigger is cut to what is left.
    const slipped = position(cfg, { stopUsd: 9.9, context: { kelly: goodKelly() } }, "ADD_NEUTRAL", { priceUsd: 10 }, [{ priceUsd: 10.4 }]);
    expect(slipped.decisions[1].cap).toBe("position notional $50000");
    expect(slipped.held * 10.4).toBeLessThanOrEqual(50_000);
  });

  it("cuts an add to the buying power there is, and refuses one while entries are halted", () => {
    const cfg = configWith({ mode: "regime_template" });
    const p = position(cfg, {}, "ADD_NEUTRAL", { priceUsd: 20 }, [{ priceUsd: 20.25, buyingPowerUsd: 2025 }]);
    expect(p.decisions[1]).toMatchObject({ qtyShares: 100, cap: "buying power $2025.00" });
    const sizer = createSizer(cfg);
    const held = { fullSize: { qtyShares: 2000, riskPct: 1, drawdownFactor: 1 }, heldQtyShares: 1000, avgPriceUsd: 20, boughtQtyShares: 1000 };
    const d = sizer.size(makeInput({ entryPriceUsd: 20.25, halted: "daily loss limit 10%", position: held, stage: { kind: "add", index: 0, template: "normal" } }));
    expect(d).toMatchObject({ qtyShares: 0, cap: "halted: daily loss limit 10%" });
  });

  it("an add does not count against max open positions (it opens none)", () => {
    const sizer = createSizer(configWith({ mode: "regime_template" }));
    const held = { fullSize: { qtyShares: 2000, riskPct: 1, drawdownFactor: 1 }, heldQtyShares: 1000, avgPriceUsd: 20, boughtQtyShares: 1000 };
    const d = sizer.size(makeInput({ entryPriceUsd: 20.25, openPositions: 5, position: held, stage: { kind: "add", index: 0, template: "normal" } }));
    expect(d.qtyShares).toBe(500);
  });
});
