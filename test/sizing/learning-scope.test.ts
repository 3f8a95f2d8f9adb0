import { describe, expect, it } from "vitest";
import { SeededRng } from "../../src/core/rng.ts";
import { LearningState } from "../../src/engine/learning.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import { configWith, makeInput, makeSignal } from "./helpers.ts";
import { tradeRecord } from "./learning-trades.ts";

describe("per-strategy Kelly in live sizing (LearningState.context)", () => {
  it("under scope strategy, one strategy's trades never move the other's Kelly", () => {
    const cfg = configWith({ mode: "kelly", kelly: { scope: "strategy", minSample: 5, window: 50 } });
    const learning = new LearningState(cfg, new SeededRng(1));
    const sizer = createSizer(cfg);
    const sizeFor = (strategy: string, asOfMs: number) =>
      sizer.size(makeInput({ signal: makeSignal({ strategyId: strategy }), context: learning.context(strategy, "ABC", asOfMs) }));
    // b: 10 trades, 30% winners at 1R: no edge -> Kelly floor.
    for (let i = 0; i < 10; i++) learning.onTradeClosed(tradeRecord({ strategy: "b", r: i < 3 ? 1 : -1, openMs: i * 10, closeMs: i * 10 + 5 }, i), 100_000, 0);
    const bBefore = sizeFor("b", 1_000);
    expect(learning.context("a", "ABC", 1_000).kelly?.n).toBe(0);
    expect(sizeFor("a", 1_000).factors[1].reason).toMatch(/^kelly: n 0 < 5 closed trades/);
    // a: 30 winning trades at 3R, on several symbols. b's statistics and decision must not move.
    for (let i = 0; i < 30; i++) learning.onTradeClosed(tradeRecord({ strategy: "a", symbol: i % 2 ? "ABC" : "XYZ", r: 3, openMs: 1_000 + i * 10, closeMs: 1_000 + i * 10 + 5 }, i), 100_000, 0);
    const bAfter = sizeFor("b", 5_000);
    expect(learning.context("b", "ABC", 5_000).kelly).toMatchObject({ strategyId: "b", n: 10, wins: 3 });
    expect(bAfter.factors[1]).toEqual(bBefore.factors[1]);
    expect(bAfter.qtyShares).toBe(bBefore.qtyShares);
    // ...while a's own Kelly engaged on its 30 trades, across both symbols.
    expect(learning.context("a", "ABC", 5_000).kelly).toMatchObject({ strategyId: "a", n: 30 });
    expect(sizeFor("a", 5_000).factors[1].factor).toBeGreaterThan(bAfter.factors[1].factor);
  });

  it("under scope symbol a strategy's other symbols do not count; under scope all everything does", () => {
    const bySymbol = new LearningState(configWith({ kelly: { scope: "symbol" } }), new SeededRng(1));
    const all = new LearningState(configWith({ kelly: { scope: "all" } }), new SeededRng(1));
    for (const l of [bySymbol, all]) {
      l.onTradeClosed(tradeRecord({ strategy: "a", symbol: "XYZ", r: 2, openMs: 0, closeMs: 5 }), 100_000, 0);
      l.onTradeClosed(tradeRecord({ strategy: "b", symbol: "ABC", r: -1, openMs: 0, closeMs: 6 }), 100_000, 0);
    }
    expect(bySymbol.context("a", "ABC", 10).kelly?.n).toBe(0);
    expect(bySymbol.context("a", "XYZ", 10).kelly?.n).toBe(1);
    expect(all.context("a", "ABC", 10).kelly?.n).toBe(2);
  });
});
