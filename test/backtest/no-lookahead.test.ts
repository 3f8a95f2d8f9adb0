import { describe, expect, it } from "vitest";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import type { Config } from "../../src/config/schema.ts";
import type { Fill, Signal } from "../../src/core/types.ts";
import { scrambleFrom as scramble, truncateAt as truncate } from "./alter-bars.ts";

const base = generateSeries({ seed: 11, symbols: 6, days: 30, selloffProb: 0.15 });
const allTimes = base.flatMap((s) => [...s.tMs]).sort((a, b) => a - b);

function record(series: BarSeries[], config: Config) {
  const signals: Signal[] = [];
  const fills: Fill[] = [];
  const run = runBacktest({ config, source: seriesSource(series), events: { signal: (s) => signals.push(s), fill: (f) => fills.push(f) } });
  return { signals, fills, run };
}

const before = (T: number) => ({
  signals: (xs: Signal[]) => xs.filter((s) => s.barTimeMs < T),
  fills: (xs: Fill[]) => xs.filter((f) => f.timeMs < T && f.purpose !== "end_of_data"),
});

describe("no look-ahead", () => {
  // "full" sizing learns from closed trades (Kelly, confidence, RL): its sizes must not peek either.
  for (const [entryFill, mode] of [["signal_close", "fixed"], ["next_open", "fixed"], ["signal_close", "full"]] as const) {
    const config = parseConfig({ strategy: { minDayChangePct: -10 }, execution: { entryFill }, sizing: { mode } });
    const full = record(base, config);

    it(`the generated set has enough activity to make the test meaningful (${entryFill}, ${mode})`, () => {
      expect(full.signals.length).toBeGreaterThan(10);
      expect(full.fills.length).toBeGreaterThan(20);
    });

    for (const q of [0.25, 0.5, 0.75]) {
      const T = allTimes[Math.floor(allTimes.length * q)];
      it(`cutting the future at ${new Date(T).toISOString()} changes no earlier signal or fill (${entryFill}, ${mode})`, () => {
        const cut = record(truncate(base, T), config);
        expect(before(T).signals(cut.signals)).toEqual(before(T).signals(full.signals));
        expect(before(T).fills(cut.fills)).toEqual(before(T).fills(full.fills));
      });
      it(`rewriting every bar after ${new Date(T).toISOString()} changes no earlier signal or fill (${entryFill}, ${mode})`, () => {
        const alt = record(scramble(base, T, 99), config);
        expect(before(T).signals(alt.signals)).toEqual(before(T).signals(full.signals));
        expect(before(T).fills(alt.fills)).toEqual(before(T).fills(full.fills));
        // And the rewrite did change what came after, or the test proves nothing.
        expect(alt.fills.length === full.fills.length && JSON.stringify(alt.fills) === JSON.stringify(full.fills)).toBe(false);
      });
    }
  }
});
