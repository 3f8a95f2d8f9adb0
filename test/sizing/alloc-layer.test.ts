import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { LearningState } from "../../src/engine/learning.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import { allocateTrades } from "../../src/whatif/allocate.ts";
import { toUnits } from "../../src/whatif/replay.ts";
import { configWith, makeInput, makeSignal } from "./helpers.ts";
import { tradeRecord, twoStrategies, whatIfTrade, type TradeSpec } from "./learning-trades.ts";

const cfg = configWith({ modes: { portfolio: ["allocator"] }, mode: "portfolio", allocator: { totalRiskPct: 10, minTrades: 20, window: 200 } });

function learned(specs: readonly TradeSpec[], allocations: Record<string, number> = { a: 0.5, b: 0.5 }): LearningState {
  const l = new LearningState(cfg, new SeededRng(1));
  l.setAllocations(new Map(Object.entries(allocations)));
  specs.forEach((t, i) => l.onTradeClosed(tradeRecord(t, i), 100_000, 0));
  return l;
}

function allocFactor(l: LearningState, strategy: string, asOfMs: number) {
  const d = createSizer(cfg).size(makeInput({ signal: makeSignal({ strategyId: strategy }), context: l.context(strategy, "ABC", asOfMs) }));
  return d.factors.find((f, i) => i > 0 && f.name === "allocator")!;
}

describe("the allocator layer alloc", () => {
  const specs = twoStrategies();
  const end = specs[specs.length - 1].closeMs + 1;

  it("agrees with replay --allocate on the same trades: one function, the same weights", () => {
    // What `replay --trades f.csv --allocate --risk-limit 10` computes (src/cli/replay-cmd.ts).
    const replay = allocateTrades(toUnits(specs.map(whatIfTrade)).trades, 0.1);
    const l = learned(specs);
    const view = l.context("a", "ABC", end).allocator!;
    expect(allocateTrades(view.trades, 0.1).rows).toEqual(replay.rows);
    const w = new Map(replay.rows.map((r) => [r.strategy, r.weight]));
    expect(w.get("a")! + w.get("b")!).toBeCloseTo(1, 12);
    // factor = weight / configured share (equal shares: 0.5 each).
    expect(allocFactor(l, "a", end).factor).toBeCloseTo(w.get("a")! / 0.5, 12);
    expect(allocFactor(l, "b", end).factor).toBeCloseTo(w.get("b")! / 0.5, 12);
    expect(allocFactor(l, "a", end).reason).toMatch(/^allocator: weight [\d.]+% \/ share 50\.0% \(half Kelly [\d.]+%, max open 2; /);
    // Unequal configured shares: the same weights over other shares.
    const skew = learned(specs, { a: 3, b: 1 });
    expect(allocFactor(skew, "a", end).factor).toBeCloseTo(w.get("a")! / 0.75, 12);
    expect(allocFactor(skew, "b", end).factor).toBeCloseTo(w.get("b")! / 0.25, 12);
  });

  it("reads only trades closed before the decision (no look-ahead)", () => {
    const T = specs[75].closeMs; // trades 0..74 closed before T; 75 closes at T
    const all = learned(specs);
    const view = all.context("a", "ABC", T).allocator!;
    expect(view.trades.length).toBe(75);
    expect(view.trades.every((t) => t.closedMs < T)).toBe(true);
    const onlyPast = learned(specs.filter((t) => t.closeMs < T));
    expect(allocFactor(all, "a", T)).toEqual(allocFactor(onlyPast, "a", T));
    // The later trades do change the answer once they have closed, so the equality above is not vacuous.
    expect(allocFactor(all, "a", end).factor).not.toBe(allocFactor(all, "a", T).factor);
  });

  it("is neutral 1.0 with the reason until every configured strategy has minTrades closed trades", () => {
    const early = specs.filter((t) => t.strategy === "a" || t.closeMs < specs[20].closeMs);
    const l = learned(early);
    const f = allocFactor(l, "a", end);
    expect(f.factor).toBe(1);
    expect(f.reason).toMatch(/^allocator: b has \d+ < 20 closed trades: neutral$/);
    const noHistory = createSizer(cfg).size(makeInput());
    expect(noHistory.factors[1]).toEqual({ name: "allocator", factor: 1, reason: "allocator: no allocator history given: neutral" });
  });

  it("a strategy without edge gets the floor, and the factor sizes the entry", () => {
    const losers: TradeSpec[] = specs.map((t) => (t.strategy === "b" ? { ...t, r: -1 } : t));
    const l = learned(losers);
    const f = allocFactor(l, "b", end);
    expect(f.factor).toBe(0.25);
    expect(f.reason).toMatch(/^allocator: b has no edge \(weight 0; .*\): floor x0\.25$/);
    // a then holds the whole risk budget: weight 1 over a share of 0.5 = x2 on 1% risk: 2% (4000 sh
    // at R 0.50), which the $50,000 notional cap cuts to 2500 sh at $20.
    const d = createSizer(cfg).size(makeInput({ signal: makeSignal({ strategyId: "a" }), buyingPowerUsd: 1e9, context: l.context("a", "ABC", end) }));
    expect(d.factors[1].factor).toBeCloseTo(2, 12);
    expect(d.targetRiskPct).toBeCloseTo(2, 12);
    expect(d).toMatchObject({ qtyShares: 2500, cap: "max notional $50000" });
  });
});
