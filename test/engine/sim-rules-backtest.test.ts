import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { parseConfig } from "../../src/config/load.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import { simVenue } from "../../src/broker/sim-broker.ts";
import { frictionPerSide } from "../../src/broker/fill-model.ts";
import { tallyRefusals } from "../../src/broker/refusal-tally.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { strategyParams } from "../../src/config/strategy-params.ts";

/**
 * Whole backtests through the simulated broker, which applies Alpaca's rules (held shares, wash
 * trades, replace, PDT): the engine's own order flow (stop moves, scale-ins, target fills,
 * exits) must not be refused once. A refusal here is a sequencing bug, not bad luck.
 */
describe("the engine's order flow breaks none of the broker's rules", () => {
  for (const mode of ["fixed", "full"] as const) {
    for (const fill of ["bar_close", "next_open"] as const) {
      it(`${mode} mode, market orders at the ${fill}: zero refused orders`, () => {
        const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode }, execution: { entryFill: fill === "next_open" ? "next_open" : "signal_close", exitFill: fill } });
        const ex = config.execution;
        const { factory, tally } = tallyRefusals(simVenue({ initialCashUsd: ex.initialEquityUsd, frictionPerSide: frictionPerSide(ex.frictionRoundTripPct), buyingPowerMultiple: ex.buyingPowerMultiple }));
        const source = seriesSource(generateSeries({ seed: 7, symbols: 12, days: 30, selloffProb: 0.1 }));
        const engine = new Engine({ config, symbols: source.symbols, strategy: createBearTrap(strategyParams(config, "bear-trap")), sizer: createSizer(config), venue: factory });
        for (let b = source.nextBatch(); b !== null; b = source.nextBatch()) engine.runBatch(b);
        const r = engine.finish();
        const legs = new Set(r.trades.flatMap((t) => [...t.entries, ...t.exits].map((e) => e.reason)));
        expect(r.trades.length).toBeGreaterThan(10);
        if (mode === "full") expect(legs.has("add1")).toBe(true);
        // The one refusal the engine cannot avoid: a target OCO laid on a fill whose bar closed within a cent of its
        // stop or below it (the broker checks against a close the engine sees only after the fill). One per lay: the
        // engine then lays one plain stop for every share.
        const refusals = Object.fromEntries(tally.byReason);
        for (const reason of Object.keys(refusals)) expect(reason).toMatch(/^(tp\d|t\d_\dR): stop price must be less than base_price - N$/);
        expect(Object.values(refusals).reduce((a, n) => a + n, 0)).toBeLessThanOrEqual(r.trades.length);
      });
    }
  }
});
