import { describe, expect, it } from "vitest";
import type { BarSeries } from "../../src/core/bars.ts";
import { NyTime } from "../../src/core/ny-time.ts";
import { generateSeries, generatedSource, generatorSymbols, tradingDays } from "../../src/data/generator.ts";
import type { GeneratorOptions } from "../../src/data/generator.ts";
import { detectBearTraps } from "./detector.ts";

const ny = new NyTime();
const FIELDS = ["tMs", "open", "high", "low", "close", "volume"] as const;

/** Bitwise equality of two columns (vitest's deep equality is slow on large typed arrays). */
function same(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function onTick(p: number): boolean {
  return p >= 1 ? Math.round(p * 100) / 100 === p : Math.round(p * 10_000) / 10_000 === p;
}

/** Session (etDay) -> indexes of its bars. */
function sessions(s: BarSeries): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let i = 0; i < s.length; i++) {
    const d = ny.etDay(s.tMs[i]);
    const a = m.get(d);
    if (a) a.push(i);
    else m.set(d, [i]);
  }
  return m;
}

describe("generateSeries", () => {
  const base: GeneratorOptions = { seed: 42, symbols: 20, days: 60 };
  const series = generateSeries(base);

  it("is deterministic per seed and differs between seeds", () => {
    const again = generateSeries(base);
    expect(again.map((s) => s.symbol)).toEqual(series.map((s) => s.symbol));
    for (let k = 0; k < series.length; k++) for (const f of FIELDS) expect(same(again[k][f], series[k][f]), `${k} ${f}`).toBe(true);
    const other = generateSeries({ ...base, seed: 43 });
    expect(same(other[0].close, series[0].close)).toBe(false);
  });

  it("sorts symbols and gives a symbol the same bars whatever else is generated", () => {
    expect(series.map((s) => s.symbol)).toEqual([...series.map((s) => s.symbol)].sort());
    expect(new Set(generatorSymbols(500)).size).toBe(500);
    const pick = series[7].symbol;
    const [alone] = generateSeries({ ...base, symbols: [pick, pick] });
    expect(alone.symbol).toBe(pick);
    for (const f of FIELDS) expect(same(alone[f], series[7][f]), f).toBe(true);
  });

  it("writes valid bars only: positive prices on the tick, low <= open/close <= high, integer volumes", () => {
    for (const s of series) {
      expect(s.length).toBeGreaterThan(60 * 380);
      for (let i = 0; i < s.length; i++) {
        const o = s.open[i];
        const h = s.high[i];
        const l = s.low[i];
        const c = s.close[i];
        const ok =
          l > 0 && l <= Math.min(o, c) && Math.max(o, c) <= h && [o, h, l, c].every(onTick) && Number.isInteger(s.volume[i]) && s.volume[i] >= 1;
        if (!ok) expect.fail(`${s.symbol} bar ${i}: ${o} ${h} ${l} ${c} ${s.volume[i]}`);
      }
    }
  });

  it("stamps bars at minute starts, strictly increasing, 09:30-15:59 ET on weekdays, with a few missing minutes", () => {
    let missing = 0;
    for (const s of series) {
      for (let i = 0; i < s.length; i++) {
        const t = s.tMs[i];
        if (t % 60_000 !== 0 || (i > 0 && !(t > s.tMs[i - 1]))) expect.fail(`${s.symbol} bar ${i} at ${t}`);
        const m = ny.etMinute(t);
        if (m < 570 || m >= 960) expect.fail(`${s.symbol} bar ${i} at ET minute ${m}`);
      }
      const days = sessions(s);
      expect(days.size).toBe(60);
      for (const [d, idx] of days) {
        expect([0, 6]).not.toContain((d + 4) % 7);
        expect(ny.etMinute(s.tMs[idx[0]])).toBe(570);
        missing += 390 - idx.length;
      }
    }
    const share = missing / (20 * 60 * 390);
    expect(share).toBeGreaterThan(0.002);
    expect(share).toBeLessThan(0.03);
  });

  it("opens at 09:30 New York time in winter and summer (DST) and across the March switch", () => {
    const winter = generateSeries({ seed: 1, symbols: 2, days: 3, startDay: "2024-01-08" })[0];
    const summer = generateSeries({ seed: 1, symbols: 2, days: 3, startDay: "2024-07-08" })[0];
    expect(new Date(winter.tMs[0]).toISOString()).toBe("2024-01-08T14:30:00.000Z");
    expect(new Date(summer.tMs[0]).toISOString()).toBe("2024-07-08T13:30:00.000Z");
    const spanning = generateSeries({ seed: 1, symbols: 1, days: 4, startDay: "2024-03-07" })[0];
    const firsts = [...sessions(spanning).values()].map((idx) => new Date(spanning.tMs[idx[0]]).toISOString());
    expect(firsts).toEqual(["2024-03-07T14:30:00.000Z", "2024-03-08T14:30:00.000Z", "2024-03-11T13:30:00.000Z", "2024-03-12T13:30:00.000Z"]);
    expect(tradingDays("2024-03-09", 1)).toEqual(tradingDays("2024-03-11", 1));
  });

  it("adds sparse pre- and post-market bars when asked", () => {
    const [s] = generateSeries({ seed: 5, symbols: 1, days: 10, extendedHours: true });
    let pre = 0;
    let post = 0;
    for (let i = 0; i < s.length; i++) {
      const m = ny.etMinute(s.tMs[i]);
      expect(m >= 240 && m < 1200).toBe(true);
      if (m < 570) pre++;
      else if (m >= 960) post++;
      if (i > 0) expect(s.tMs[i]).toBeGreaterThan(s.tMs[i - 1]);
    }
    expect(pre).toBeGreaterThan(10 * 10);
    expect(pre).toBeLessThan(10 * 330 * 0.5);
    expect(post).toBeGreaterThan(10 * 10);
    expect(post).toBeLessThan(10 * 240 * 0.5);
  });

  it("has dozens of heavy sell-off days on which the Bear Trap rule finds winners and losers", () => {
    let selloffs = 0;
    for (const s of series) {
      for (const idx of sessions(s).values()) {
        const open = s.open[idx[0]];
        const low = Math.min(...idx.map((i) => s.low[i]));
        if ((low - open) / open <= -0.15) selloffs++;
      }
    }
    expect(selloffs).toBeGreaterThanOrEqual(24);
    expect(selloffs).toBeLessThanOrEqual(120);
    const signals = series.flatMap((s) => detectBearTraps(s));
    // Roughly one signal per 2-5 sell-off days.
    expect(signals.length).toBeGreaterThanOrEqual(Math.floor(selloffs / 5));
    expect(signals.length).toBeLessThanOrEqual(Math.ceil(selloffs / 1.5));
    expect(signals.every((x) => x.dayChangePct <= -15 && x.entry > x.stop)).toBe(true);
    expect(signals.some((x) => x.outcome === "win" || x.outcome === "flat_up")).toBe(true);
    expect(signals.some((x) => x.outcome === "loss")).toBe(true);
  });

  it("refuses options it cannot honour", () => {
    expect(() => generateSeries({ seed: 1, symbols: [], days: 1 })).toThrow(/no symbols/);
    expect(() => generateSeries({ seed: 1, symbols: 1, days: 0 })).toThrow(/days/);
    expect(() => generateSeries({ seed: 1, symbols: 1, days: 1, selloffProb: 2 })).toThrow(/selloffProb/);
    expect(() => generateSeries({ seed: 1, symbols: 1, days: 1, startDay: "soon" })).toThrow(/not a date/);
  });

  it("finds far fewer signals without sell-offs (the traps come from the sell-off days)", () => {
    const calm = generateSeries({ ...base, selloffProb: 0 }).flatMap((s) => detectBearTraps(s));
    const all = series.flatMap((s) => detectBearTraps(s));
    expect(calm.length).toBeLessThan(all.length / 2);
  });
});

describe("generatedSource", () => {
  /** generateSeries merged by (time, symbol id): what the source must stream. */
  function merged(series: BarSeries[]): number[][] {
    const rows: number[][] = [];
    series.forEach((s, id) => {
      for (let i = 0; i < s.length; i++) rows.push([s.tMs[i], id, s.open[i], s.high[i], s.low[i], s.close[i], s.volume[i]]);
    });
    return rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }

  it.each([false, true])("streams exactly generateSeries in (time, symbol) order (extendedHours %s)", (extendedHours) => {
    const opts: GeneratorOptions = { seed: 9, symbols: 6, days: 5, extendedHours, startDay: "2024-03-06" };
    const src = generatedSource({ ...opts, batchSize: 997 });
    const series = generateSeries(opts);
    expect(src.symbols).toEqual(series.map((s) => s.symbol));
    const rows: number[][] = [];
    for (let b = src.nextBatch(); b !== null; b = src.nextBatch()) {
      expect(b.length).toBeGreaterThan(0);
      for (let i = 0; i < b.length; i++) rows.push([b.tMs[i], b.symId[i], b.open[i], b.high[i], b.low[i], b.close[i], b.volume[i]]);
    }
    expect(src.nextBatch()).toBeNull();
    expect(rows).toEqual(merged(series));
  });
});
