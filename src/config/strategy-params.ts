import type { BearTrapParams } from "../../strategies/bear-trap.ts";
import type { DailyTrendParams } from "../../strategies/daily-trend.ts";
import type { StrategyDefinition } from "../core/strategy.ts";
import { findStrategy, unknownStrategyMessage } from "../../strategies/index.ts";
import type { Config } from "./schema.ts";

/** The params type of each shipped strategy, by id. */
export interface ShippedStrategyParams {
  "bear-trap": BearTrapParams;
  "daily-trend": DailyTrendParams;
}

/**
 * The parsed params of the first instance of strategy `id` in the config, typed for the shipped
 * strategies; the strategy's defaults when the config does not run it (a tool that needs, say,
 * the Bear Trap's time stop still has one). Throws for an id no strategy has.
 */
export function strategyParams<K extends keyof ShippedStrategyParams>(config: Pick<Config, "strategies">, id: K): ShippedStrategyParams[K];
export function strategyParams(config: Pick<Config, "strategies">, id: string, extra?: readonly StrategyDefinition<unknown, unknown>[]): unknown;
export function strategyParams(config: Pick<Config, "strategies">, id: string, extra: readonly StrategyDefinition<unknown, unknown>[] = []): unknown {
  const inst = config.strategies.find((s) => s.id === id);
  if (inst !== undefined) return inst.params;
  const def = findStrategy(id, extra);
  if (def === undefined) throw new Error(unknownStrategyMessage(id, extra));
  return def.params.parse({});
}
