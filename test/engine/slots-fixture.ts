import { allocBatch, type BarBatch } from "../../src/core/bars.ts";
import { etToUtcMs, isoToEtDay } from "../../src/core/ny-time.ts";
import type { PluginExitPlan, PluginStrategy, StrategyDefinition, StrategySlot, SlotRisk } from "../../src/core/strategy.ts";
import type { Signal, SizingDecision } from "../../src/core/types.ts";
import type { Sizer, SizingInput } from "../../src/sizing/sizer.ts";

/** One bar of a merged stream. */
export interface Row {
  readonly sym: number;
  readonly tMs: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

/** Rows merged the way a source merges them: by time, then symbol id. */
export function batchOf(rows: readonly Row[]): BarBatch {
  const sorted = [...rows].sort((a, b) => a.tMs - b.tMs || a.sym - b.sym);
  const b = allocBatch(sorted.length);
  sorted.forEach((r, i) => {
    b.symId[i] = r.sym;
    b.tMs[i] = r.tMs;
    b.open[i] = r.o;
    b.high[i] = r.h;
    b.low[i] = r.l;
    b.close[i] = r.c;
    b.volume[i] = r.v;
  });
  b.length = sorted.length;
  return b;
}

/** Flat regular-hours minute bars of one symbol on a day (09:30 to 15:59 ET) at `price`. */
export function minuteDay(sym: number, day: string, price: number): Row[] {
  const d = isoToEtDay(day);
  return Array.from({ length: 390 }, (_, i) => ({ sym, tMs: etToUtcMs(d, 570 + i), o: price, h: price + 0.05, l: price - 0.05, c: price, v: 1000 }));
}

/** A daily bar stamped as this repo's data files stamp it (00:00Z of its date), or as Alpaca does (00:00 New York). */
export function dailyBar(sym: number, day: string, o: number, h: number, l: number, c: number, stamp: "utc" | "ny" = "utc"): Row {
  const tMs = stamp === "utc" ? Date.parse(`${day}T00:00:00Z`) : etToUtcMs(isoToEtDay(day), 0);
  return { sym, tMs, o, h, l, c, v: 1_000_000 };
}

/** The instant of an ET wall-clock minute on a day. */
export function etMs(day: string, hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return etToUtcMs(isoToEtDay(day), h * 60 + m);
}

/** Every call the fake strategies saw, for order-of-events assertions. */
export interface CallLog {
  readonly onBar: { symbol: string; tMs: number; etMinute: number; close: number }[];
  readonly exitSignal: { symbol: string; tMs: number }[];
}

function signal(id: string, symbol: string, bar: { symId: number; tMs: number; etDay: number; close: number }, stop: number | null): Signal {
  const common = { strategyId: id, symbol, symId: bar.symId, barTimeMs: bar.tMs, etDay: bar.etDay, refPriceUsd: bar.close, stopPriceUsd: stop, atrUsd: NaN, dayChangePct: NaN };
  // Both Signal shapes of issue 14's merge: the Bear Trap fields at the top (before) and `detail` (after).
  const bearTrapFields = { supportUsd: NaN, reclaimedLevelUsd: NaN, sessionHighUsd: NaN, lowerWickRatio: NaN, bodyRatio: NaN, volumeRatio: NaN };
  return { ...common, ...bearTrapFields, detail: {} } as unknown as Signal;
}

/**
 * A fake intraday strategy on minute bars: signals at the listed ET minutes ("HH:MM") with a stop
 * `stopBelow` dollars under the close and a 30-minute time stop.
 */
export function minuteStrategy(log: CallLog, at: readonly string[], stopBelow = 1, id = "fake-minute"): PluginStrategy<{ symbol: string }> {
  const minutes = new Set(at.map((x) => Number(x.slice(0, 2)) * 60 + Number(x.slice(3))));
  return {
    id,
    createState: (symbol) => ({ symbol }),
    onBar(state, _snap, bar) {
      log.onBar.push({ symbol: state.symbol, tMs: bar.tMs, etMinute: bar.etMinute, close: bar.close });
      return minutes.has(bar.etMinute) ? signal(id, state.symbol, bar, bar.close - stopBelow) : null;
    },
    exitPlan: (sig): PluginExitPlan => ({ stopUsd: sig.stopPriceUsd, targets: [], stopMoveAfter: null, trailBars: 0, timeStopMinutes: 30 }),
  };
}

/**
 * A fake overnight strategy on daily bars: enters at the close of its `enterOn`-th daily bar and
 * exits (exitSignal) at the close of its `exitOn`-th; no stop, no target, no time stop.
 */
export function dailyStrategy(log: CallLog, enterOn: number, exitOn: number, id = "fake-daily"): PluginStrategy<{ symbol: string; n: number }> {
  return {
    id,
    createState: (symbol) => ({ symbol, n: 0 }),
    onBar(state, _snap, bar) {
      state.n++;
      log.onBar.push({ symbol: state.symbol, tMs: bar.tMs, etMinute: bar.etMinute, close: bar.close });
      return state.n === enterOn ? signal(id, state.symbol, bar, null) : null;
    },
    exitSignal(state, _snap, bar) {
      log.exitSignal.push({ symbol: state.symbol, tMs: bar.tMs });
      // onBar runs after exitSignal: this bar is number n + 1.
      return state.n + 1 === exitOn ? "fake_exit" : null;
    },
    exitPlan: (): PluginExitPlan => ({ stopUsd: null, targets: [], stopMoveAfter: null, trailBars: 0, timeStopMinutes: null }),
  };
}

/** A slot for a fake strategy. */
export function slot(strategy: PluginStrategy<unknown>, symbols: string[], opts: { timeframe?: "1Min" | "1Day"; holding?: "intraday" | "overnight"; allocation?: number; risk?: Partial<SlotRisk>; index?: number } = {}): StrategySlot {
  const indicators = { atrPeriod: 14, volumeAvgPeriod: 20 };
  const definition: StrategyDefinition<unknown, unknown> = {
    id: strategy.id,
    description: strategy.id,
    params: { parse: (x: unknown) => x },
    timeframe: opts.timeframe ?? "1Min",
    holding: opts.holding ?? "intraday",
    indicators: () => indicators,
    create: () => strategy,
  };
  return {
    definition,
    strategy,
    instanceIndex: opts.index ?? 0,
    symbols,
    indicators,
    allocation: opts.allocation ?? 0.5,
    maxPositionPct: 100,
    risk: { maxOpenPositions: null, dailyLossLimitPct: null, ...opts.risk },
  };
}

/** What a sizer was asked (as the engine passes it: the stop may be null, the allocation comes along). */
export type AskedSizing = Omit<SizingInput, "stopUsd"> & { stopUsd: number | null; allocation?: { weight: number; maxPositionPct: number } };

/** A sizer that buys `qty` shares (or the allocation's notional when `qty` is "alloc") and records every input. */
export function recordingSizer(asked: AskedSizing[], qty: number | "alloc" = 100): Sizer {
  return {
    size(input: SizingInput): SizingDecision {
      const a = input as unknown as AskedSizing;
      asked.push(a);
      const q = qty === "alloc" ? Math.floor((a.equityUsd * (a.allocation?.weight ?? 1)) / a.entryPriceUsd) : qty;
      return { mode: "fake", equityUsd: a.equityUsd, rPerShareUsd: NaN, riskPct: 0, qtyShares: q, factors: [], cap: null, summary: `fake ${q}` };
    },
  };
}
