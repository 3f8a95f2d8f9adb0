/**
 * Counts the orders the simulated broker (Alpaca's rules: held shares, wash trades, replace,
 * pattern day trader) refuses over whole backtests, per sizing mode and fill timing. Every
 * refusal is one the engine's own sequencing caused; the expected count is zero.
 *
 *   node --import tsx scripts/order-refusals.ts [barDir]
 *
 * Without a folder it runs 60 generated days of 20 symbols; with one (e.g.
 * ../shared/data/bars/1min/2024q2) the real bars in it.
 */
import { parseConfig } from "../src/config/load.ts";
import { Engine } from "../src/engine/engine.ts";
import { createSizer } from "../src/sizing/pipeline.ts";
import { simVenue } from "../src/broker/sim-broker.ts";
import { frictionPerSide } from "../src/broker/fill-model.ts";
import { tallyRefusals } from "../src/broker/refusal-tally.ts";
import { generateSeries } from "../src/data/generator.ts";
import { seriesSource } from "../src/data/merge-source.ts";
import { loadBarDir } from "../src/data/load-dir.ts";
import type { BarSeries } from "../src/core/bars.ts";
import { buildSlots } from "../src/strategy/slots.ts";

const dir = process.argv[2];
const series: readonly BarSeries[] = dir ? loadBarDir(dir, { cacheDir: null }).series : generateSeries({ seed: 11, symbols: 20, days: 60, selloffProb: 0.1 });
for (const mode of ["fixed", "full"] as const) {
  for (const fill of ["bar_close", "next_open"] as const) {
    const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode }, execution: { entryFill: fill === "next_open" ? "next_open" : "signal_close", exitFill: fill } });
    const ex = config.execution;
    const { factory, tally } = tallyRefusals(simVenue({ initialCashUsd: ex.initialEquityUsd, frictionPerSide: frictionPerSide(ex.frictionRoundTripPct), buyingPowerMultiple: ex.buyingPowerMultiple }));
    const source = seriesSource(series);
    const engine = new Engine({ config, symbols: source.symbols, slots: buildSlots(config, source.symbols), sizer: createSizer(config), venue: factory });
    for (let b = source.nextBatch(); b !== null; b = source.nextBatch()) engine.runBatch(b);
    const r = engine.finish();
    const legs = r.trades.reduce((a, t) => a + t.entries.length + t.exits.length, 0);
    const adds = r.trades.reduce((a, t) => a + t.entries.length - 1, 0);
    console.log(`${mode.padEnd(5)} ${fill.padEnd(9)} trades ${String(r.trades.length).padStart(4)}  fills ${String(legs).padStart(5)}  adds ${String(adds).padStart(4)}  refused ${tally.total()}`);
    for (const [k, n] of tally.byReason) console.log(`    ${n} x ${k}`);
  }
}
