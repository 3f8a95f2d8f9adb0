import type { BarSeries } from "../../src/core/bars.ts";
import { createBarView } from "../../src/core/bars.ts";
import { NyTime } from "../../src/core/ny-time.ts";
import { SymbolIndicators } from "../../src/indicators/indicator-set.ts";

/** A Bear Trap entry found by {@link detectBearTraps}, with a crude outcome for sanity checks. */
export interface TrapSignal {
  readonly symbol: string;
  readonly index: number;
  readonly etDay: number;
  readonly entry: number;
  readonly stop: number;
  readonly dayChangePct: number;
  /** win: TP1 (halfway to the session high) before the stop; loss: stop first; else sign at the time stop. */
  readonly outcome: "win" | "loss" | "flat_up" | "flat_down";
}

/**
 * An independent, simple reading of SPEC section 1 (regular hours only): a new session low arms
 * the trap at the support it broke; the first close back above that level is the reclaim, and
 * it is a signal when day change <= -15%, lower wick/range >= 0.15, body/range >= 0.20 and
 * volume >= 1.2 x the 20-bar average (including the bar). Stop = session low - 0.45 ATR(14).
 */
export function detectBearTraps(s: BarSeries, minDayChangePct = -15): TrapSignal[] {
  const ny = new NyTime();
  const ind = new SymbolIndicators(s.symbol);
  const bar = createBarView();
  const out: TrapSignal[] = [];
  let armed = Number.NaN;
  let day = -1;
  for (let i = 0; i < s.length; i++) {
    const minute = ny.etMinute(s.tMs[i]);
    if (minute < 570 || minute >= 960) continue;
    bar.tMs = s.tMs[i];
    bar.open = s.open[i];
    bar.high = s.high[i];
    bar.low = s.low[i];
    bar.close = s.close[i];
    bar.volume = s.volume[i];
    bar.etDay = ny.etDay(s.tMs[i]);
    bar.etMinute = minute;
    ind.update(bar);
    if (bar.etDay !== day) {
      day = bar.etDay;
      armed = Number.NaN;
    }
    if (bar.low < ind.priorSessionLow) armed = ind.priorSessionLow;
    if (!(bar.close > armed)) continue;
    armed = Number.NaN;
    if (minute + 1 >= 955 || !(ind.dayChangePct <= minDayChangePct)) continue;
    const range = bar.high - bar.low;
    if (!(range > 0)) continue;
    const wick = (Math.min(bar.open, bar.close) - bar.low) / range;
    const body = Math.abs(bar.close - bar.open) / range;
    if (wick < 0.15 || body < 0.2 || !(bar.volume >= 1.2 * ind.volumeAvg)) continue;
    const stop = ind.sessionLow - 0.45 * ind.atr;
    if (!(bar.close > stop) || !(stop > 0)) continue;
    out.push({
      symbol: s.symbol,
      index: i,
      etDay: bar.etDay,
      entry: bar.close,
      stop,
      dayChangePct: ind.dayChangePct,
      outcome: outcome(s, i, stop, bar.close + 0.5 * (ind.sessionHigh - bar.close), ny),
    });
  }
  return out;
}

function outcome(s: BarSeries, i: number, stop: number, tp1: number, ny: NyTime): TrapSignal["outcome"] {
  const entry = s.close[i];
  const day = ny.etDay(s.tMs[i]);
  let last = entry;
  for (let j = i + 1; j < s.length && s.tMs[j] <= s.tMs[i] + 30 * 60_000; j++) {
    if (ny.etDay(s.tMs[j]) !== day || ny.etMinute(s.tMs[j]) >= 955) break;
    if (s.low[j] <= stop) return "loss";
    if (s.high[j] >= tp1) return "win";
    last = s.close[j];
  }
  return last > entry ? "flat_up" : "flat_down";
}
