import { z } from "zod";
import type { BarView } from "../src/core/bars.ts";
import type { SymbolSnapshot } from "../src/core/snapshot.ts";
import { defineStrategy, type PluginExitPlan, type PluginStrategy } from "../src/core/strategy.ts";
import type { Signal } from "../src/core/types.ts";
import { Rsi } from "../src/indicators/rsi.ts";

/**
 * Daily RSI hysteresis trend follower (issue 14 item 3). Long only, on daily bars, decided at the
 * daily bar's close; the engine fills the order at the next session's open.
 *
 * Hysteresis, precisely: with Wilder RSI(period) of the daily closes and bands lower < upper,
 * - ENTER when RSI crosses above `upper`: previous RSI <= upper < current RSI, while flat;
 * - once in, STAY IN until RSI crosses below `lower`: previous RSI >= lower > current RSI. RSI
 *   falling back below `upper`, or anywhere in (lower, upper], does not exit: the gap between the
 *   bands is what keeps a trend from being traded in and out on every wiggle around one level.
 * Crosses are events, not levels: RSI already above `upper` when the strategy starts (or when an
 * entry was refused by the engine) does not enter until the next cross. The first RSI value has no
 * previous one and is never a cross. No stop, no target, no time stop: the RSI exit is the only exit.
 */

/** One symbol's RSI period and bands. */
export interface TrendBand {
  readonly period: number;
  readonly upper: number;
  readonly lower: number;
}

/** The band of every symbol the table does not name: the table's most common row (MSFT, SPY). */
export const DAILY_TREND_DEFAULT_BAND: TrendBand = { period: 21, upper: 58, lower: 42 };

const band = z
  .object({
    period: z.number().int().min(2).max(250).default(DAILY_TREND_DEFAULT_BAND.period).describe("Wilder RSI period, in daily bars."),
    upper: z.number().gt(0).lt(100).default(DAILY_TREND_DEFAULT_BAND.upper).describe("Enter when RSI crosses above this level."),
    lower: z.number().gt(0).lt(100).default(DAILY_TREND_DEFAULT_BAND.lower).describe("Exit when RSI crosses below this level (hysteresis: not when it merely falls back below upper)."),
  })
  .refine((b) => b.upper > b.lower, { message: "upper must be greater than lower (the hysteresis band)", path: ["upper"] });

/** The research's per-symbol table (issue 14 item 3). */
export const DAILY_TREND_TABLE: Readonly<Record<string, TrendBand>> = {
  AAPL: { period: 28, upper: 65, lower: 35 },
  MSFT: { period: 21, upper: 58, lower: 42 },
  NVDA: { period: 28, upper: 58, lower: 42 },
  SPY: { period: 21, upper: 58, lower: 42 },
  QQQ: { period: 21, upper: 60, lower: 40 },
  IWM: { period: 28, upper: 65, lower: 35 },
};

export const dailyTrendParams = z.object({
  default: band.default({ ...DAILY_TREND_DEFAULT_BAND }).describe("RSI period and bands of a symbol not listed in bySymbol."),
  bySymbol: z
    .record(z.string().min(1), band)
    .refine((m) => Object.keys(m).every((k) => k === k.toUpperCase()), { message: "bySymbol keys must be upper-case symbols (e.g. AAPL)" })
    .default(() => ({ ...DAILY_TREND_TABLE }))
    .describe("Per-symbol RSI period and bands, by upper-case symbol (default: the research's table for AAPL MSFT NVDA SPY QQQ IWM)."),
  maxPositionPct: z.number().gt(0).max(100).default(15).describe("Largest position in one symbol, % of account equity."),
  frictionRoundTripBps: z
    .number()
    .min(0)
    .max(1000)
    .default(10)
    .describe("Round-trip trading cost assumed by the reference backtest and the study (5 bps a side); the engine charges its own execution friction, not this."),
});

export type DailyTrendParams = z.infer<typeof dailyTrendParams>;

/** The band a symbol trades with: its bySymbol row, else the default. */
export function bandFor(params: DailyTrendParams, symbol: string): TrendBand {
  return params.bySymbol[symbol.toUpperCase()] ?? params.default;
}

/** Per-symbol state: the RSI and the last two values, advanced once per daily bar. */
export interface DailyTrendState {
  readonly symbol: string;
  readonly band: TrendBand;
  readonly rsi: Rsi;
  /** RSI before the latest bar (NaN until two values exist). */
  prevRsi: number;
  /** tMs of the latest bar taken; a bar at or before it is not taken twice. */
  lastBarMs: number;
}

export const DAILY_TREND_ID = "daily-trend";
export const RSI_EXIT = "rsi_exit";

/** True when RSI went from at or below `level` to above it on the latest bar. */
export function crossedAbove(prev: number, cur: number, level: number): boolean {
  return prev <= level && cur > level;
}

/** True when RSI went from at or above `level` to below it on the latest bar. */
export function crossedBelow(prev: number, cur: number, level: number): boolean {
  return prev >= level && cur < level;
}

/**
 * Takes the bar into the RSI unless it already has it: the engine may call exitSignal and onBar on
 * the same bar, and each must see the RSI of that bar exactly once.
 */
function advance(state: DailyTrendState, bar: Readonly<BarView>): void {
  if (!(bar.tMs > state.lastBarMs)) return;
  state.lastBarMs = bar.tMs;
  state.prevRsi = state.rsi.current;
  state.rsi.step(bar);
}

const EXIT_PLAN: PluginExitPlan = { stopUsd: null, targets: [], stopMoveAfter: null, trailBars: 0, timeStopMinutes: null };

function createDailyTrend(params: DailyTrendParams): PluginStrategy<DailyTrendState> {
  return {
    id: DAILY_TREND_ID,
    createState(symbol: string): DailyTrendState {
      const b = bandFor(params, symbol);
      return { symbol, band: b, rsi: new Rsi(b.period), prevRsi: NaN, lastBarMs: -Infinity };
    },

    onBar(state: DailyTrendState, snap: SymbolSnapshot, bar: Readonly<BarView>): Signal | null {
      advance(state, bar);
      const cur = state.rsi.current;
      if (!crossedAbove(state.prevRsi, cur, state.band.upper)) return null;
      return {
        strategyId: DAILY_TREND_ID,
        symbol: snap.symbol,
        symId: bar.symId,
        barTimeMs: bar.tMs,
        etDay: bar.etDay,
        refPriceUsd: bar.close,
        stopPriceUsd: null,
        atrUsd: snap.atr > 0 ? snap.atr : NaN,
        dayChangePct: NaN,
        detail: { rsi: cur, upper: state.band.upper, lower: state.band.lower, period: state.band.period },
      };
    },

    exitSignal(state: DailyTrendState, _snap: SymbolSnapshot, bar: Readonly<BarView>): string | null {
      advance(state, bar);
      return crossedBelow(state.prevRsi, state.rsi.current, state.band.lower) ? RSI_EXIT : null;
    },

    exitPlan(): PluginExitPlan {
      return EXIT_PLAN;
    },
  };
}

/** The shipped definition (registry id "daily-trend"). */
export const dailyTrend = defineStrategy<DailyTrendParams, DailyTrendState>({
  id: DAILY_TREND_ID,
  description: "Daily RSI hysteresis trend follower: long when RSI crosses above the upper band, out when it crosses below the lower band (per-symbol period and bands).",
  params: dailyTrendParams,
  timeframe: "1Day",
  holding: "overnight",
  // It reads no shared indicator; ATR (14 daily bars) is reported in the signal when the engine has it.
  indicators: () => ({ atrPeriod: 14, volumeAvgPeriod: 20 }),
  create: createDailyTrend,
  // Wilder's RSI smooths with weight 1/period, so its first values depend on where it started: three
  // periods of history let the seed's weight fall to (1 - 1/p)^(2p), about 13%, before any decision.
  warmupBars: (p) => 3 * Math.max(p.default.period, ...Object.values(p.bySymbol).map((b) => b.period)),
});
