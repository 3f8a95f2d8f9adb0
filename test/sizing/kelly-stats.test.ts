import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kellySnapshotFor } from "../../src/sizing/kelly.ts";
import { ALL, KellyStatsStore, type ClosedTrade } from "../../src/sizing/kelly-stats.ts";
import { configWith } from "./helpers.ts";

/** Reference: the last `window` trades of the key added so far, then those closed before asOf. */
function reference(trades: readonly ClosedTrade[], window: number, strategyId: string, symbol: string, asOfMs: number) {
  const key = trades.filter((t) => (strategyId === ALL || t.strategyId === strategyId) && (symbol === ALL || t.symbol === symbol));
  const used = key.slice(-window).filter((t) => t.closeTimeMs < asOfMs);
  const wins = used.filter((t) => t.rMultiple > 0);
  const losses = used.filter((t) => !(t.rMultiple > 0));
  const sum = (xs: readonly ClosedTrade[]) => xs.reduce((a, t) => a + Math.abs(t.rMultiple), 0);
  return {
    n: used.length,
    wins: wins.length,
    winRate: used.length ? wins.length / used.length : 0,
    avgWinR: wins.length ? sum(wins) / wins.length : 0,
    avgLossR: losses.length ? sum(losses) / losses.length : 0,
  };
}

const tradeArb = fc.record({
  strategyId: fc.constantFrom("a", "b"),
  symbol: fc.constantFrom("X", "Y", "Z"),
  rMultiple: fc.double({ min: -3, max: 5, noNaN: true }),
  closeTimeMs: fc.integer({ min: 0, max: 1000 }),
});

describe("KellyStatsStore", () => {
  it("matches a brute-force reference for every key, window and asOf", () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 120 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 1100 }), (trades, window, asOf) => {
        const store = new KellyStatsStore(window);
        for (const t of trades) store.add(t);
        for (const [s, sym] of [["a", "X"], ["b", "Z"], ["a", ALL], [ALL, ALL]] as const) {
          const got = store.snapshot(s, sym, asOf);
          const want = reference(trades, window, s, sym, asOf);
          expect(got.n).toBe(want.n);
          expect(got.wins).toBe(want.wins);
          expect(got.winRate).toBeCloseTo(want.winRate, 12);
          expect(got.avgWinR).toBeCloseTo(want.avgWinR, 9);
          expect(got.avgLossR).toBeCloseTo(want.avgLossR, 9);
          expect(Number.isNaN(got.fullKelly)).toBe(false);
          expect(got.halfKelly).toBeCloseTo(got.fullKelly / 2, 12);
          expect(got.quarterKelly).toBeCloseTo(got.fullKelly / 4, 12);
        }
      }),
    );
  });

  it("never uses a trade that closed at or after the decision time", () => {
    const store = new KellyStatsStore(50);
    store.add({ strategyId: "s", symbol: "X", rMultiple: -1, closeTimeMs: 100 });
    store.add({ strategyId: "s", symbol: "X", rMultiple: 3, closeTimeMs: 200 });
    const before = store.snapshot("s", "X", 200);
    expect(before.n).toBe(1);
    expect(before.wins).toBe(0);
    expect(before.excludedAfterAsOf).toBe(1);
    const after = store.snapshot("s", "X", 201);
    expect(after.n).toBe(2);
    expect(after.excludedAfterAsOf).toBe(0);
  });

  it("keeps only the last `window` trades (bounded memory)", () => {
    const store = new KellyStatsStore(3);
    for (let i = 0; i < 1000; i++) store.add({ strategyId: "s", symbol: "X", rMultiple: i < 997 ? -1 : 2, closeTimeMs: i });
    const snap = store.snapshot("s", "X", 1e9);
    expect(snap).toMatchObject({ n: 3, wins: 3, winRate: 1, avgWinR: 2, avgLossR: 0, payoff: Infinity, fullKelly: 1 });
    expect(store.toJSON().series.every((s) => s.rMultiple.length === 3)).toBe(true);
  });

  it("reports per strategy/symbol, per strategy and overall", () => {
    const store = new KellyStatsStore(50);
    store.add({ strategyId: "a", symbol: "X", rMultiple: 2, closeTimeMs: 1 });
    store.add({ strategyId: "a", symbol: "Y", rMultiple: -1, closeTimeMs: 2 });
    store.add({ strategyId: "b", symbol: "X", rMultiple: 1, closeTimeMs: 3 });
    expect(store.snapshot("a", "X", 10).n).toBe(1);
    expect(store.snapshot("a", ALL, 10).n).toBe(2);
    expect(store.snapshot(ALL, ALL, 10).n).toBe(3);
    expect(store.snapshot("c", "X", 10)).toMatchObject({ n: 0, winRate: 0, fullKelly: 0 });
    const keys = store.snapshots(10).map((s) => `${s.strategyId}/${s.symbol}`);
    expect(keys.sort()).toEqual(["*/*", "a/*", "a/X", "a/Y", "b/*", "b/X"]);
    const cfg = configWith().sizing.kelly;
    expect(kellySnapshotFor(store, cfg, "a", "X", 10).symbol).toBe(ALL);
    expect(kellySnapshotFor(store, { ...cfg, scope: "symbol" }, "a", "X", 10).n).toBe(1);
    expect(kellySnapshotFor(store, { ...cfg, scope: "all" }, "a", "X", 10).n).toBe(3);
  });

  it("round-trips through JSON, and a smaller window keeps the newest trades", () => {
    fc.assert(
      fc.property(fc.array(tradeArb, { maxLength: 60 }), (trades) => {
        const store = new KellyStatsStore(20);
        for (const t of trades) store.add(t);
        const json = JSON.parse(JSON.stringify(store.toJSON()));
        const back = KellyStatsStore.fromJSON(json);
        expect(back.snapshots(2000)).toEqual(store.snapshots(2000));
        const small = KellyStatsStore.fromJSON(json, 5);
        const want = reference(trades, 5, ALL, ALL, 2000);
        expect(small.snapshot(ALL, ALL, 2000)).toMatchObject({ n: want.n, wins: want.wins });
      }),
    );
  });

  it("fails fast on corrupt values", () => {
    const store = new KellyStatsStore(5);
    expect(() => store.add({ strategyId: "s", symbol: "X", rMultiple: NaN, closeTimeMs: 1 })).toThrow(/R multiple/);
    expect(() => store.add({ strategyId: "s", symbol: "X", rMultiple: 1, closeTimeMs: Infinity })).toThrow(/close time/);
    expect(() => store.add({ strategyId: "s", symbol: ALL, rMultiple: 1, closeTimeMs: 1 })).toThrow(/reserved/);
    expect(() => new KellyStatsStore(0)).toThrow(/window/);
    expect(() => KellyStatsStore.fromJSON({ version: 2, window: 5, series: [] } as never)).toThrow(/version/);
  });
});
