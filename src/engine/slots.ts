import type { Config } from "../config/schema.ts";
import { hhmmToMinute } from "../core/ny-time.ts";
import { REGULAR_SESSION } from "../core/market-calendar.ts";
import type { IndicatorNeeds, PluginStrategy, Strategy, StrategyDefinition, StrategySlot } from "../core/strategy.ts";
import { BEAR_TRAP_ID, createBearTrap } from "../../strategies/bear-trap.ts";

/**
 * The session rules every intraday slot shares. Read from one place so the move of these keys to
 * `config.session` (issue 14: `session.regularHoursOnly`, `session.flattenMinutesBeforeClose`) is a
 * change of this function alone.
 */
export function sessionSettings(config: Config): { readonly regularHoursOnly: boolean; readonly flattenMinutesBeforeClose: number } {
  // flattenAt is an offset from a full day's close (15:55 = 5 minutes before 16:00).
  return { regularHoursOnly: config.strategy.regularHoursOnly, flattenMinutesBeforeClose: REGULAR_SESSION.closeMinute - hhmmToMinute(config.strategy.flattenAt) };
}

/**
 * The indicator periods of a hand-written strategy passed as `strategy` (the Bear Trap's, as the
 * engine read them before slots): after issue 14's merge, `bearTrap.indicators(strategyParams(config, "bear-trap"))`.
 */
export function legacyIndicators(config: Config): IndicatorNeeds {
  return { atrPeriod: config.strategy.atrPeriod, volumeAvgPeriod: config.strategy.volumeAvgPeriod };
}

/**
 * A hand-written strategy (the pre-plugin `Strategy` shape) as one slot over `symbols`: the whole
 * account, intraday, 1-minute bars, the account's own limits.
 */
export function legacySlot<S>(strategy: Strategy<S>, symbols: readonly string[], indicators: IndicatorNeeds): StrategySlot {
  const plugin: PluginStrategy<S> = {
    id: strategy.id,
    createState: () => strategy.createState(),
    onBar: (s, snap, bar) => strategy.onBar(s, snap, bar),
    exitPlan: (sig, px) => strategy.exitPlan(sig, px),
  };
  const definition: StrategyDefinition<unknown, unknown> = {
    id: strategy.id,
    description: strategy.id,
    params: { parse: (x: unknown) => x },
    timeframe: "1Min",
    holding: "intraday",
    indicators: () => indicators,
    create: () => plugin as PluginStrategy<unknown>,
  };
  return {
    definition,
    strategy: plugin as PluginStrategy<unknown>,
    instanceIndex: 0,
    symbols: [...symbols],
    indicators,
    allocation: 1,
    maxPositionPct: 100,
    risk: { maxOpenPositions: null, dailyLossLimitPct: null },
  };
}

/**
 * TEMPORARY (issue 14, until the plugins helper's `buildSlots(config, symbols, registry)` in
 * src/strategy/slots.ts lands): today's config as one Bear Trap slot over every symbol.
 */
export function slotsFor(config: Config, symbols: readonly string[]): StrategySlot[] {
  const st = config.strategy;
  const slot = legacySlot(createBearTrap(st), symbols, legacyIndicators(config));
  return [{ ...slot, definition: { ...slot.definition, id: BEAR_TRAP_ID } }];
}
