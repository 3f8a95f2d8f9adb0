import { describe, expect, it } from "vitest";
import type { BarBatch } from "../../src/core/bars.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { tappedSource } from "../../src/data/tapped-source.ts";

const series = generateSeries({ seed: 3, symbols: 3, days: 4 });
const times = (src: { nextBatch(): BarBatch | null }): number[] => {
  const out: number[] = [];
  for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) out.push(...b.tMs.subarray(0, b.length));
  return out;
};
const all = times(seriesSource(series, 1000));

describe("tappedSource", () => {
  it("keeps exactly the bars in [fromMs, toMs), in order", () => {
    expect(all.length).toBeGreaterThan(4000);
    const fromMs = all[1000];
    const toMs = all[3456];
    const got = times(tappedSource(seriesSource(series, 1000), { fromMs, toMs, onConsumed: () => {} }));
    expect(got).toEqual(all.filter((t) => t >= fromMs && t < toMs));
    expect(times(tappedSource(seriesSource(series, 1000), { onConsumed: () => {} }))).toEqual(all);
  });

  it("shows each batch to the listener only after the consumer asked for the next one", () => {
    const log: string[] = [];
    const src = tappedSource(seriesSource(series, 1000), { fromMs: all[1500], onConsumed: (b) => log.push(`seen ${b.tMs[0]}`) });
    for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) log.push(`got ${b.tMs[0]}`);
    const firsts = log.filter((l) => l.startsWith("got")).map((l) => l.slice(4));
    expect(log.filter((l) => l.startsWith("seen")).map((l) => l.slice(5))).toEqual(firsts);
    // Every "seen x" comes right after "got x" and before the next "got".
    for (let i = 0; i < firsts.length; i++) expect(log.slice(2 * i, 2 * i + 2)).toEqual([`got ${firsts[i]}`, `seen ${firsts[i]}`]);
  });
});
