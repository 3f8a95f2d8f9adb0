import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runBacktest } from "../../src/backtest/run.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { BarSeries } from "../../src/core/bars.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { ENTRY_FEATURE_NAMES } from "../../src/features/catalogue.ts";
import { scrambleFrom, truncateAt } from "../backtest/alter-bars.ts";

/**
 * Every entry feature, as the engine computes it at a signal, is a function of the bars up to
 * and including the signal bar: rewriting (or cutting) every later bar of every symbol leaves it
 * exactly as it was. One property per feature, over random signals and random rewrites.
 */

const config = parseConfig({ strategy: { minDayChangePct: -10 } });
const base = generateSeries({ seed: 11, symbols: 6, days: 25, selloffProb: 0.25 });

/** Features at each classified entry, keyed by symbol and signal bar time. */
function featuresAt(series: readonly BarSeries[]): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  runBacktest({ config, source: seriesSource(series), events: { regime: (s, f) => out.set(`${s.symbol}@${s.barTimeMs}`, Float64Array.from(f.values)) } });
  return out;
}

const original = featuresAt(base);
const keys = [...original.keys()].sort((a, b) => Number(a.split("@")[1]) - Number(b.split("@")[1]));
const barTime = (key: string): number => Number(key.split("@")[1]);

// The same property runs (fixed fast-check seed) serve every feature, so each rewrite runs once.
const altered = new Map<string, Map<string, Float64Array>>();
function alteredRun(kind: "scramble" | "truncate", T: number, seed: number): Map<string, Float64Array> {
  const id = `${kind}:${T}:${seed}`;
  let m = altered.get(id);
  if (!m) altered.set(id, (m = featuresAt(kind === "scramble" ? scrambleFrom(base, T, seed) : truncateAt(base, T))));
  return m;
}

const cases = fc.record({ k: fc.integer({ min: 0, max: Math.max(0, keys.length - 1) }), seed: fc.integer({ min: 1, max: 1_000_000 }), truncate: fc.boolean() });

describe("entry features see no bar after the entry bar", () => {
  it("the generated set has enough classified entries, with every feature known at most of them", () => {
    expect(keys.length).toBeGreaterThan(15);
    ENTRY_FEATURE_NAMES.forEach((name, j) => {
      const known = keys.filter((k) => Number.isFinite(original.get(k)![j])).length;
      expect(known, name).toBeGreaterThan(keys.length / 2);
    });
  });

  it("the rewrite reaches what the features read: features at later entries do change", () => {
    const T = barTime(keys[Math.floor(keys.length / 3)]) + 60_000;
    const alt = alteredRun("scramble", T, 7);
    const later = (m: Map<string, Float64Array>) => [...m].filter(([k]) => barTime(k) >= T).map(([k, v]) => `${k}:${[...v].join(",")}`);
    expect(later(alt)).not.toEqual(later(original));
  });

  describe.each(ENTRY_FEATURE_NAMES.map((name, j) => [name, j] as const))("%s", (name, j) => {
    it("is unchanged at the entry bar when every later bar is rewritten or cut (property)", () => {
      fc.assert(
        fc.property(cases, ({ k, seed, truncate }) => {
          const key = keys[k];
          // The signal bar starts at barTime; every bar starting after it is "later".
          const T = barTime(key) + 60_000;
          const got = alteredRun(truncate ? "truncate" : "scramble", T, truncate ? 0 : seed).get(key);
          expect(got, `${name}: entry ${key} vanished`).toBeDefined();
          expect(Object.is(got![j], original.get(key)![j]), `${name} at ${key}: ${got![j]} vs ${original.get(key)![j]}`).toBe(true);
        }),
        { numRuns: 12, seed: 20240501 },
      );
    });
  });
});
