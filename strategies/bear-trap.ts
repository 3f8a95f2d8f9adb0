import type { BarView } from "../src/core/bars.ts";
import type { SymbolSnapshot } from "../src/core/snapshot.ts";
import type { ExitPlan, ExitTarget, Strategy } from "../src/core/strategy.ts";
import type { Signal } from "../src/core/types.ts";
import type { BearTrapConfig } from "../src/config/schema.ts";
import { hhmmToMinute } from "../src/core/ny-time.ts";

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

/** Smallest price distance treated as real (a sub-penny target is no target). */
const MIN_TICK_USD = 0.0001;

export function createBearTrap(cfg: BearTrapConfig): Strategy<BearTrapState> {
  const flattenMinute = hhmmToMinute(cfg.flattenAt);
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
      // spent (a later drift above support is not a trap reclaim).
      state.armedLevelUsd = NaN;

      // Decisions happen at the bar's close, so a bar closing at or after the flatten time is too late.
      if (bar.etMinute + 1 >= flattenMinute) return null;
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
        supportUsd: support,
        reclaimedLevelUsd: level,
        sessionHighUsd: snap.sessionHigh,
        atrUsd: atr,
        dayChangePct: snap.dayChangePct,
        lowerWickRatio: wickRatio,
        bodyRatio,
        volumeRatio,
      };
    },

    exitPlan(signal: Signal, entryPriceUsd: number): ExitPlan {
      const targets: ExitTarget[] = [];
      const room = signal.sessionHighUsd - entryPriceUsd;
      // Targets below or at the entry cannot take profit; they are dropped, and the position is
      // managed by its stop, time stop and the flatten.
      if (room > MIN_TICK_USD) {
        const tp1 = entryPriceUsd + cfg.tp1RangeFraction * room;
        if (tp1 - entryPriceUsd > MIN_TICK_USD && cfg.tp1Fraction > 0)
          targets.push({ label: "tp1", priceUsd: tp1, fraction: cfg.tp1Fraction });
        if (cfg.tp2Fraction > 0) targets.push({ label: "tp2", priceUsd: signal.sessionHighUsd, fraction: cfg.tp2Fraction });
      }
      return {
        stopUsd: signal.stopPriceUsd ?? NaN,
        targets,
        stopMoveAfter: targets.some((t) => t.label === "tp2") ? { label: "tp2", stopUsd: signal.supportUsd } : null,
        trailBars: cfg.runnerTrailBars,
        timeStopMinutes: cfg.timeStopMinutes,
      };
    },
  };
}
