import { z } from "zod";
import type { BarView } from "../src/core/bars.ts";
import type { SymbolSnapshot } from "../src/core/snapshot.ts";
import { defineStrategy, type ExitPlan, type ExitTarget, type PluginStrategy, type Strategy } from "../src/core/strategy.ts";
import type { Signal } from "../src/core/types.ts";

/**
 * Bear Trap (SPEC section 1): a stock down hard on the day breaks its session low, then a bar
 * closes back above the level it broke with a quality candle. Long only, intraday.
 */
export interface BearTrapState {
  /** The broken support a close must reclaim; NaN when no break is pending. */
  armedLevelUsd: number;
  etDay: number;
  signalsToday: number;
}

export const BEAR_TRAP_ID = "bear-trap";

const pct01 = z.number().min(0).max(1);

/**
 * The Bear Trap's parameters. Session settings (trading hours, the flatten time) are not here:
 * they are the account's (`session` in config), shared by every intraday strategy.
 */
export const bearTrapParamsSchema = z
  .object({
    minDayChangePct: z
      .number()
      .max(0)
      .default(-15)
      .describe("Setup: day change % from the session open must be at or below this (negative)."),
    minLowerWickRatio: pct01.default(0.15).describe("Reclaim candle: lower wick / range must be at least this."),
    minBodyRatio: pct01.default(0.2).describe("Reclaim candle: body / range must be at least this."),
    minVolumeMultiple: z
      .number()
      .min(0)
      .default(1.2)
      .describe("Reclaim candle: volume must be at least this x the 20-bar average volume (average includes the bar)."),
    stopAtrMultiple: z.number().min(0).default(0.45).describe("Stop = support - this x ATR(14)."),
    atrPeriod: z.number().int().min(1).max(500).default(14).describe("ATR period in bars (Wilder smoothing)."),
    volumeAvgPeriod: z.number().int().min(1).max(500).default(20).describe("Bars in the volume average."),
    tp1Fraction: pct01.default(0.4).describe("Fraction of the position sold at TP1 = entry + 0.5 x (session high - entry)."),
    tp1RangeFraction: pct01.default(0.5).describe("TP1 sits this far from entry to the session high."),
    tp2Fraction: pct01.default(0.3).describe("Fraction sold at TP2 = session high; the stop then moves to support."),
    runnerTrailBars: z
      .number()
      .int()
      .min(0)
      .max(390)
      .default(5)
      .describe(
        "After TP2 the runner's stop trails at support: max(support, lowest low of the last N bars). 0 keeps it at support.",
      ),
    timeStopMinutes: z.number().int().min(1).max(390).default(30).describe("Time stop: exit at the close of the first bar this many minutes after entry."),
    maxSignalsPerSymbolPerDay: z.number().int().min(1).max(100).default(10).describe("Upper bound on signals one symbol may emit in a session."),
  })
  .strict();

/** The Bear Trap's parameters with defaults applied. */
export type BearTrapParams = z.infer<typeof bearTrapParamsSchema>;

/**
 * The built Bear Trap. It always has a stop and a time stop, so its exit plan is a full ExitPlan,
 * which also makes it a legacy `Strategy` until the engine runs PluginStrategy slots.
 */
export type BearTrapStrategy = PluginStrategy<BearTrapState> &
  Strategy<BearTrapState> & {
    createState(symbol?: string): BearTrapState;
    exitPlan(signal: Signal, entryPriceUsd: number): ExitPlan;
  };

/** Smallest price distance treated as real (a sub-penny target is no target). */
const MIN_TICK_USD = 0.0001;

/** A Bear Trap signal always carries its stop; the number, whatever the shared type allows. */
function stopOf(signal: Signal): number {
  const s: number | null = signal.stopPriceUsd;
  return s === null ? NaN : s;
}

/** Builds the Bear Trap for one configured instance. */
export function createBearTrap(cfg: BearTrapParams): BearTrapStrategy {
  return {
    id: BEAR_TRAP_ID,
    createState: () => ({ armedLevelUsd: NaN, etDay: -1, signalsToday: 0 }),

    onBar(state: BearTrapState, snap: SymbolSnapshot, bar: Readonly<BarView>): Signal | null {
      if (bar.etDay !== state.etDay) {
        state.etDay = bar.etDay;
        state.armedLevelUsd = NaN;
        state.signalsToday = 0;
      }
      const prior = snap.priorSessionLow;
      // A new session low arms the trap at the level it broke. A waterfall of new lows re-arms at
      // each freshly broken level, so the reclaim is measured against the most recent support.
      if (bar.low < prior) state.armedLevelUsd = prior;
      const level = state.armedLevelUsd;
      if (!(bar.close > level)) return null;
      // The first close back above the level IS the reclaim; its candle qualifies or the trap is
      // spent (a later drift above support is not a trap reclaim). Entry hours (the session's
      // flatten time, an early close) are the engine's: it refuses a signal decided too late.
      state.armedLevelUsd = NaN;

      if (state.signalsToday >= cfg.maxSignalsPerSymbolPerDay) return null;
      if (!(snap.dayChangePct <= cfg.minDayChangePct)) return null;
      const range = bar.high - bar.low;
      if (!(range > 0)) return null;
      const lowerWick = Math.min(bar.open, bar.close) - bar.low;
      const wickRatio = lowerWick / range;
      const bodyRatio = Math.abs(bar.close - bar.open) / range;
      if (wickRatio < cfg.minLowerWickRatio || bodyRatio < cfg.minBodyRatio) return null;
      const volumeRatio = bar.volume / snap.volumeAvg;
      if (!(volumeRatio >= cfg.minVolumeMultiple)) return null;
      const atr = snap.atr;
      if (!(atr > 0)) return null;
      const support = snap.sessionLow;
      const stop = support - cfg.stopAtrMultiple * atr;
      if (!(bar.close - stop > 0) || !(stop > 0)) return null;

      state.signalsToday++;
      return {
        strategyId: BEAR_TRAP_ID,
        symbol: snap.symbol,
        symId: bar.symId,
        barTimeMs: bar.tMs,
        etDay: bar.etDay,
        refPriceUsd: bar.close,
        stopPriceUsd: stop,
        atrUsd: atr,
        dayChangePct: snap.dayChangePct,
        detail: {
          supportUsd: support,
          reclaimedLevelUsd: level,
          sessionHighUsd: snap.sessionHigh,
          lowerWickRatio: wickRatio,
          bodyRatio,
          volumeRatio,
        },
      };
    },

    exitPlan(signal: Signal, entryPriceUsd: number): ExitPlan {
      const targets: ExitTarget[] = [];
      const high = signal.detail.sessionHighUsd ?? NaN;
      const room = high - entryPriceUsd;
      // Targets below or at the entry cannot take profit; they are dropped, and the position is
      // managed by its stop, time stop and the flatten.
      if (room > MIN_TICK_USD) {
        const tp1 = entryPriceUsd + cfg.tp1RangeFraction * room;
        if (tp1 - entryPriceUsd > MIN_TICK_USD && cfg.tp1Fraction > 0)
          targets.push({ label: "tp1", priceUsd: tp1, fraction: cfg.tp1Fraction });
        if (cfg.tp2Fraction > 0) targets.push({ label: "tp2", priceUsd: high, fraction: cfg.tp2Fraction });
      }
      const support = signal.detail.supportUsd ?? NaN;
      return {
        stopUsd: stopOf(signal),
        targets,
        stopMoveAfter: targets.some((t) => t.label === "tp2") && Number.isFinite(support) ? { label: "tp2", stopUsd: support } : null,
        trailBars: cfg.runnerTrailBars,
        timeStopMinutes: cfg.timeStopMinutes,
      };
    },
  };
}

/** The Bear Trap as a strategy module: the registry's "bear-trap". */
export const bearTrap = defineStrategy<BearTrapParams, BearTrapState>({
  id: BEAR_TRAP_ID,
  description: "Long the reclaim of a freshly broken session low on a stock down hard on the day (1-minute bars, intraday, stop below support).",
  params: bearTrapParamsSchema,
  timeframe: "1Min",
  holding: "intraday",
  indicators: (p) => ({ atrPeriod: p.atrPeriod, volumeAvgPeriod: p.volumeAvgPeriod }),
  create: createBearTrap,
});
