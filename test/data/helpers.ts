import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import type { BarSeries } from "../../src/core/bars.ts";

/** A deterministic small PRNG (mulberry32), so generated data is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/**
 * A valid series of `n` bars from `startMs`, `stepMs` apart (with random gaps when `gaps`), prices
 * with up to 4 decimals, as a CSV writer would round them.
 */
export function makeSeries(symbol: string, n: number, opts: { seed?: number; startMs?: number; stepMs?: number; gaps?: boolean } = {}): BarSeries {
  const next = rng(opts.seed ?? 1);
  const step = opts.stepMs ?? 60_000;
  const s = {
    symbol,
    length: n,
    tMs: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let t = opts.startMs ?? Date.UTC(2024, 3, 1, 8, 0);
  let px = 5 + next() * 50;
  for (let i = 0; i < n; i++) {
    const o = r4(px);
    const c = r4(Math.max(0.01, px * (1 + (next() - 0.5) * 0.02)));
    s.tMs[i] = t;
    s.open[i] = o;
    s.close[i] = c;
    s.high[i] = r4(Math.max(o, c) * (1 + next() * 0.005));
    s.low[i] = r4(Math.min(o, c) * (1 - next() * 0.005));
    s.volume[i] = Math.floor(next() * 100_000);
    px = c;
    t += step * (opts.gaps && next() < 0.3 ? 1 + Math.floor(next() * 5) : 1);
  }
  return s;
}

/** Alpaca-style CSV text (the format of /work/shared/data) for a series. */
export function toCsv(s: BarSeries, eol = "\n"): string {
  const lines = ["timestamp,open,high,low,close,volume,trade_count,vwap"];
  for (let i = 0; i < s.length; i++) {
    lines.push(`${new Date(s.tMs[i]).toISOString()},${s.open[i]},${s.high[i]},${s.low[i]},${s.close[i]},${s.volume[i]},${i % 97},${r4((s.high[i] + s.low[i]) / 2)}`);
  }
  return lines.join(eol) + eol;
}

/** Plain number arrays of a series, for toEqual comparisons that report differences readably. */
export function columns(s: BarSeries): Record<string, number[]> {
  return {
    tMs: [...s.tMs],
    open: [...s.open],
    high: [...s.high],
    low: [...s.low],
    close: [...s.close],
    volume: [...s.volume],
  };
}

/** A temp folder removed when the current test finishes (call it inside a test). */
export function tempDir(prefix = "sizewise-data-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
