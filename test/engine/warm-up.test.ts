import { describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/engine.ts";
import { parseConfig } from "../../src/config/load.ts";
import type { OrderIntent, Signal } from "../../src/core/types.ts";
import { buildSlots } from "../../src/strategy/slots.ts";
import { simVenue } from "../../src/broker/sim-broker.ts";
import type { VenueFactory } from "../../src/broker/venue.ts";
import { sessionOf } from "../../src/core/market-calendar.ts";
import { etDayToIso, isoToEtDay } from "../../src/core/ny-time.ts";
import { dailyTrend } from "../../strategies/daily-trend.ts";
import { batchOf, dailyBar, recordingSizer, type Row } from "./slots-fixture.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import type { BarSeries } from "../../src/core/bars.ts";

/*
 * Warm-up (issue 14 follow-up): a daily strategy needs history before its first decision. Bars fed
 * through engine.warmUp advance its RSI and state but trade nothing; the run's first session can
 * then decide, where a cold engine sits `period` sessions before its RSI has a value.
 */

/** `n` NYSE sessions from `fromIso` on. */
function sessions(fromIso: string, n: number): string[] {
  const out: string[] = [];
  for (let d = isoToEtDay(fromIso); out.length < n; d++) if (sessionOf(d) !== null) out.push(etDayToIso(d));
  return out;
}

const HISTORY = sessions("2023-09-01", 63); // 3 x SPY's period 21
const RUN = sessions(etDayToIso(isoToEtDay(HISTORY[HISTORY.length - 1]) + 1), 30);

/**
 * Closes that alternate +1.10 / -1.00 (RSI about 52, under SPY's upper band 58) through the history;
 * the run's first session jumps +5 (RSI about 61: a cross above 58), then the alternation goes on.
 */
function rows(): { history: Row[]; run: Row[] } {
  let c = 100;
  const bar = (day: string, move: number): Row => {
    const o = c;
    c += move;
    return dailyBar(0, day, o, Math.max(o, c) + 0.2, Math.min(o, c) - 0.2, c, "ny");
  };
  const history = HISTORY.map((d, i) => bar(d, i % 2 === 0 ? 1.1 : -1));
  const run = RUN.map((d, i) => bar(d, i === 0 ? 5 : i % 2 === 1 ? -1 : 1.1));
  return { history, run };
}

function engine(signals: Signal[], sent: OrderIntent[]): Engine {
  const config = parseConfig({
    strategies: [{ id: "daily-trend", params: {}, symbols: ["SPY"] }],
    sizing: { mode: "fixed", drawdown: { ladder: [], haltAtPct: 100 } },
  });
  const inner = simVenue({ initialCashUsd: 100_000, frictionPerSide: 0, buyingPowerMultiple: 1 });
  const venue: VenueFactory = (symbols, onFill, bar, onEnded) => {
    const v = inner(symbols, onFill, bar, onEnded);
    const submit = v.submit.bind(v);
    v.submit = (i) => (sent.push(i), submit(i));
    return v;
  };
  return new Engine({
    config,
    symbols: ["SPY"],
    slots: buildSlots(config, ["SPY"]),
    sizer: recordingSizer([], 10),
    venue,
    events: { signal: (s) => signals.push(s) },
  });
}

describe("engine warm-up", () => {
  it("daily-trend declares 3 x its longest RSI period", () => {
    expect(dailyTrend.warmupBars?.(dailyTrend.params.parse({}))).toBe(84);
    expect(buildSlots(parseConfig({ strategies: [{ id: "daily-trend", params: { bySymbol: {}, default: { period: 10 } }, symbols: ["SPY"] }] }), ["SPY"])[0].warmupBars).toBe(30);
  });

  it("advances the strategy on history but discards its signals, places no order, counts no bar and rolls no day", () => {
    const signals: Signal[] = [];
    const sent: OrderIntent[] = [];
    const e = engine(signals, sent);
    const { history } = rows();
    // A history that ends on the run's cross: its signal must not escape warm-up.
    const jump = { ...history[history.length - 1], c: history[history.length - 1].c + 5, h: history[history.length - 1].c + 6 };
    for (const r of [...history.slice(0, -1), jump]) expect(e.warmUp(r.sym, r.tMs, r.o, r.h, r.l, r.c, r.v)).toBe(true);
    expect(e.warmedUp).toBe(history.length);
    const res = e.finish();
    expect(signals).toEqual([]);
    expect(sent).toEqual([]);
    expect([res.bars, res.barsUsed, res.signals, res.trades.length, res.daily.length]).toEqual([0, 0, 0, 0, 0]);
    expect(res.finalEquityUsd).toBe(100_000);
  });

  it("with warm-up the first signal comes on the run's first session; cold, not before its RSI has `period` sessions", () => {
    const { history, run } = rows();
    const warmSignals: Signal[] = [];
    const warmSent: OrderIntent[] = [];
    const warm = engine(warmSignals, warmSent);
    for (const r of history) warm.warmUp(r.sym, r.tMs, r.o, r.h, r.l, r.c, r.v);
    warm.runBatch(batchOf(run));
    warm.finish();
    expect(warmSignals.length).toBeGreaterThan(0);
    expect(etDayToIso(warmSignals[0].etDay)).toBe(RUN[0]);
    expect(warmSignals[0].detail.rsi).toBeGreaterThan(58);
    // The order decided at the first session's close goes out (filled at the next open).
    expect(warmSent.length).toBeGreaterThan(0);

    const coldSignals: Signal[] = [];
    const cold = engine(coldSignals, []);
    cold.runBatch(batchOf(run));
    cold.finish();
    const firstCold = coldSignals.length > 0 ? RUN.indexOf(etDayToIso(coldSignals[0].etDay)) : Infinity;
    expect(firstCold).toBeGreaterThan(21);
  });

  it("a backtest with warmupFromMs warms up on the bars before it (the last warmupBars) and trades from it on", () => {
    const { history, run } = rows();
    const all = [...history, ...run];
    const series: BarSeries = {
      symbol: "SPY",
      length: all.length,
      tMs: Float64Array.from(all, (r) => r.tMs),
      open: Float64Array.from(all, (r) => r.o),
      high: Float64Array.from(all, (r) => r.h),
      low: Float64Array.from(all, (r) => r.l),
      close: Float64Array.from(all, (r) => r.c),
      volume: Float64Array.from(all, (r) => r.v),
    };
    const config = parseConfig({ strategies: [{ id: "daily-trend", params: { bySymbol: {}, default: { period: 21, upper: 58, lower: 42 } }, symbols: ["SPY"] }] });
    const signals: Signal[] = [];
    const r = runBacktest({ config, source: seriesSource([series]), events: { signal: (x) => signals.push(x) }, warmupFromMs: run[0].tMs });
    // 3 x 21 = 63 history bars warmed up on (all there are), none run; the run's 30 bars run.
    expect(r.engine.bars).toBe(run.length);
    expect(etDayToIso(signals[0].etDay)).toBe(RUN[0]);
  });
});
