import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BarSeries, BarSource } from "../../src/core/bars.ts";
import { prepareBarCache } from "../../src/data/cache-dir.ts";
import { loadBarDir } from "../../src/data/load-dir.ts";
import { LINEAR_MAX_LANES } from "../../src/data/merge-core.ts";
import { cachedFilesSource, seriesSource } from "../../src/data/merge-source.ts";
import { makeSeries, tempDir, toCsv } from "./helpers.ts";

interface Drained {
  symId: number[];
  tMs: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
  batchLengths: number[];
}

function drain(src: BarSource): Drained {
  const out: Drained = { symId: [], tMs: [], open: [], high: [], low: [], close: [], volume: [], batchLengths: [] };
  for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) {
    out.batchLengths.push(b.length);
    for (let i = 0; i < b.length; i++) {
      out.symId.push(b.symId[i]);
      out.tMs.push(b.tMs[i]);
      out.open.push(b.open[i]);
      out.high.push(b.high[i]);
      out.low.push(b.low[i]);
      out.close.push(b.close[i]);
      out.volume.push(b.volume[i]);
    }
  }
  expect(src.nextBatch()).toBeNull();
  return out;
}

/** The merge spelled out: every bar, sorted by time then series index. */
function reference(series: readonly BarSeries[]): Omit<Drained, "batchLengths"> {
  const rows: [number, number, number][] = [];
  series.forEach((s, k) => {
    for (let i = 0; i < s.length; i++) rows.push([s.tMs[i], k, i]);
  });
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return {
    symId: rows.map((r) => r[1]),
    tMs: rows.map((r) => r[0]),
    open: rows.map((r) => series[r[1]].open[r[2]]),
    high: rows.map((r) => series[r[1]].high[r[2]]),
    low: rows.map((r) => series[r[1]].low[r[2]]),
    close: rows.map((r) => series[r[1]].close[r[2]]),
    volume: rows.map((r) => series[r[1]].volume[r[2]]),
  };
}

function withoutBatches(d: Drained): Omit<Drained, "batchLengths"> {
  const { batchLengths: _b, ...rest } = d;
  return rest;
}

/** Series with shared minutes, gaps, different starts and an empty one. */
function mixedSeries(count: number, seed: number): BarSeries[] {
  const out: BarSeries[] = [];
  for (let k = 0; k < count; k++) {
    const n = k === 2 ? 0 : 20 + ((seed * 7 + k * 13) % 120);
    out.push(makeSeries(`S${String(k).padStart(3, "0")}`, n, { seed: seed * 100 + k, startMs: Date.UTC(2024, 3, 1, 8) + ((k * 3) % 11) * 60_000, gaps: true }));
  }
  return out;
}

describe("seriesSource", () => {
  it("merges by time, ties by series index, across batch boundaries", () => {
    const series = mixedSeries(6, 1);
    const want = reference(series);
    for (const batchSize of [1, 7, 64, 65536]) {
      const src = seriesSource(series, batchSize);
      expect(src.symbols).toEqual(series.map((s) => s.symbol));
      expect(src.totalBars).toBe(want.tMs.length);
      const got = drain(src);
      expect(withoutBatches(got)).toEqual(want);
      // Every batch but the last is full.
      expect(got.batchLengths.slice(0, -1).every((n) => n === batchSize)).toBe(true);
      expect(got.batchLengths.reduce((a, b) => a + b, 0)).toBe(want.tMs.length);
    }
  });

  it("orders equal times by series index even when the later series is listed first in time", () => {
    const t = Date.UTC(2024, 3, 1, 14);
    const a = makeSeries("A", 2, { startMs: t });
    const b = makeSeries("B", 3, { startMs: t - 60_000 });
    const got = drain(seriesSource([a, b], 2));
    expect(got.symId).toEqual([1, 0, 1, 0, 1]);
    expect(got.tMs).toEqual([t - 60_000, t, t, t + 60_000, t + 60_000]);
    expect(got.batchLengths).toEqual([2, 2, 1]);
  });

  it("matches the reference with many symbols (the heap strategy) and random shapes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 300 }), (count, seed, batchSize) => {
        const series = mixedSeries(count, seed);
        expect(withoutBatches(drain(seriesSource(series, batchSize)))).toEqual(reference(series));
      }),
      { numRuns: 60 },
    );
    expect(LINEAR_MAX_LANES).toBeLessThan(120);
  });

  it("switches between scanning and the heap as the sharing of times changes, keeping the order", () => {
    // 60 symbols: first a stretch where no two bars share a time, then one where all do.
    const series: BarSeries[] = [];
    for (let k = 0; k < 60; k++) {
      const s = makeSeries(`M${k}`, 4000, { seed: k + 1 });
      for (let i = 0; i < s.length; i++) s.tMs[i] = i < 2000 ? Date.UTC(2024, 0, 2) + i * 60_000 + k : Date.UTC(2024, 1, 2) + i * 60_000;
      series.push(s);
    }
    const src = seriesSource(series, 5000);
    const modes = new Set<boolean>();
    const got: number[] = [];
    const ids: number[] = [];
    for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) {
      modes.add((src as unknown as { heapMode: boolean }).heapMode);
      for (let i = 0; i < b.length; i++) {
        got.push(b.tMs[i]);
        ids.push(b.symId[i]);
      }
    }
    expect(modes).toEqual(new Set([true, false]));
    const want = reference(series);
    expect(got).toEqual(want.tMs);
    expect(ids).toEqual(want.symId);
  });

  it("handles no series and a lone series", () => {
    expect(seriesSource([]).nextBatch()).toBeNull();
    const s = makeSeries("A", 1000);
    const got = drain(seriesSource([s], 300));
    expect(got.batchLengths).toEqual([300, 300, 300, 100]);
    expect(got.tMs).toEqual([...s.tMs]);
  });

  it("refuses a bad batch size", () => {
    expect(() => seriesSource([], 0)).toThrow(/batchSize/);
  });
});

describe("cachedFilesSource", () => {
  function cachedDir(series: readonly BarSeries[]): { dir: string; cacheDir: string } {
    const dir = tempDir();
    const cacheDir = tempDir();
    for (const s of series) writeFileSync(join(dir, `${s.symbol}.csv`), toCsv(s));
    // A multi-symbol JSON file too: its cache entry holds two series.
    const bar = (t: number, px: number) => ({ t: new Date(t).toISOString(), o: px, h: px + 1, l: px - 1, c: px, v: 5 });
    const t0 = Date.UTC(2024, 3, 1, 8, 30);
    const json = { bars: { JA: [bar(t0, 3), bar(t0 + 60_000, 4)], JB: [bar(t0 + 120_000, 5)] } };
    writeFileSync(join(dir, "extra.json"), JSON.stringify(json));
    return { dir, cacheDir };
  }

  it("streams exactly what seriesSource yields for the loaded series, whatever the chunk size", () => {
    const series = mixedSeries(9, 3);
    const { dir, cacheDir } = cachedDir(series);
    const prepared = prepareBarCache(dir, { cacheDir });
    expect(prepared.parsedFiles).toBe(10);
    const loaded = loadBarDir(dir, { cacheDir });
    expect(loaded.cachedFiles).toBe(10);
    const want = drain(seriesSource(loaded.series, 100));
    for (const chunkRows of [1, 5, 37, 16384]) {
      const src = cachedFilesSource(prepared.cacheFiles, { chunkRows, batchSize: 100 });
      expect(src.symbols).toEqual(loaded.series.map((s) => s.symbol));
      expect(src.totalBars).toBe(loaded.rows);
      expect(drain(src)).toEqual(want);
    }
    expect(prepareBarCache(dir, { cacheDir }).cachedFiles).toBe(10);
  });

  it("agrees with loadBarDir on symbol and date filters", () => {
    const series = mixedSeries(5, 4).map((s, k) => makeSeries(s.symbol, 400, { seed: k, startMs: Date.UTC(2024, 3, 1, 20) + k * 60_000, stepMs: 17 * 60_000, gaps: true }));
    const { dir, cacheDir } = cachedDir(series);
    const { cacheFiles } = prepareBarCache(dir, { cacheDir });
    const filters = [
      { fromDay: "2024-04-02", toDay: "2024-04-03" },
      { fromDay: "2024-04-04" },
      { toDay: "2024-04-01" },
      { symbols: ["s001", "JB"], fromDay: "2024-04-01", toDay: "2024-04-02" },
      { fromDay: "2030-01-01" },
    ];
    for (const f of filters) {
      const loaded = loadBarDir(dir, { cacheDir, ...f });
      const src = cachedFilesSource(cacheFiles, { ...f, chunkRows: 16 });
      expect(src.symbols).toEqual(loaded.series.map((s) => s.symbol));
      expect(src.totalBars).toBe(loaded.rows);
      expect(drain(src)).toEqual(drain(seriesSource(loaded.series)));
    }
  });

  it("matches in heap mode too, with many files, distinct times and small chunks", () => {
    // Millisecond offsets keep every symbol's times apart, which pushes the merge onto its heap.
    const series = Array.from({ length: LINEAR_MAX_LANES + 12 }, (_, k) =>
      makeSeries(`H${String(k).padStart(2, "0")}`, 80 + k, { seed: k + 1, startMs: Date.UTC(2024, 3, 1, 8) + k * 1000, gaps: true }),
    );
    const { dir, cacheDir } = cachedDir(series);
    const { cacheFiles } = prepareBarCache(dir, { cacheDir });
    const loaded = loadBarDir(dir, { cacheDir });
    const src = cachedFilesSource(cacheFiles, { chunkRows: 3, batchSize: 50 });
    src.nextBatch();
    expect((src as unknown as { heapMode: boolean }).heapMode).toBe(true);
    src.close?.();
    expect(src.nextBatch()).toBeNull();
    const fresh = cachedFilesSource(cacheFiles, { chunkRows: 3, batchSize: 50 });
    expect(drain(fresh)).toEqual(drain(seriesSource(loaded.series, 50)));
  });

  it("throws naming a file that is not a cache file", () => {
    const dir = tempDir();
    const bogus = join(dir, "x.bars");
    writeFileSync(bogus, "hello");
    expect(() => cachedFilesSource([bogus])).toThrow(`not a readable bar cache file (missing, corrupt or another version): ${bogus}`);
  });
});
