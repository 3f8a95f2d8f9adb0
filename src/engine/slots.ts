import type { Config } from "../config/schema.ts";
import type { IndicatorNeeds, PluginStrategy, Strategy, StrategyDefinition, StrategySlot } from "../core/strategy.ts";
import { strategyParams } from "../config/strategy-params.ts";
import { bearTrap } from "../../strategies/bear-trap.ts";

/** The session rules every intraday slot shares (config.session). */
export function sessionSettings(config: Config): { readonly regularHoursOnly: boolean; readonly flattenMinutesBeforeClose: number } {
  return { regularHoursOnly: config.session.regularHoursOnly, flattenMinutesBeforeClose: config.session.flattenMinutesBeforeClose };
}

/**
 * The indicator periods of a hand-written strategy passed as `strategy`: the configured Bear
 * Trap's (the periods the engine read before strategies were plugins).
 */
export function legacyIndicators(config: Config): IndicatorNeeds {
  return bearTrap.indicators(strategyParams(config, "bear-trap"));
}

/**
 * A hand-written strategy (the pre-plugin `Strategy` shape) as one slot over `symbols`: the whole
 * account, intraday, 1-minute bars, the account's own limits.
 */
export function legacySlot<S>(strategy: Strategy<S>, symbols: readonly string[], indicators: IndicatorNeeds): StrategySlot {
  // A Strategy already is a PluginStrategy (its createState ignores the symbol; its plans always
  // have a stop and a time stop): used as it is, so no wrapper sits on the per-bar call.
  const plugin: PluginStrategy<S> = strategy;
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
