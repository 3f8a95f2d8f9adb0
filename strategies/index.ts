import type { StrategyDefinition } from "../src/core/strategy.ts";
import { bearTrap } from "./bear-trap.ts";
import { dailyTrend } from "./daily-trend.ts";

/**
 * The shipped strategies by id. A user's own strategy comes from `--strategy-file FILE.ts`
 * (src/strategy/load-file.ts) and is passed alongside these, never registered globally.
 */
const SHIPPED: readonly StrategyDefinition<unknown, unknown>[] = [bearTrap as StrategyDefinition<unknown, unknown>, dailyTrend as StrategyDefinition<unknown, unknown>];

/** Every shipped strategy, in the order `sizewise strategies` lists them. */
export function listStrategies(): readonly StrategyDefinition<unknown, unknown>[] {
  return SHIPPED;
}

/** The strategy with this id among the shipped ones and `extra` (a user's files; they win a tie), or undefined. */
export function findStrategy(id: string, extra: readonly StrategyDefinition<unknown, unknown>[] = []): StrategyDefinition<unknown, unknown> | undefined {
  return extra.find((d) => d.id === id) ?? SHIPPED.find((d) => d.id === id);
}

/** The ids a config may name: the shipped ones and `extra`'s. */
export function knownStrategyIds(extra: readonly StrategyDefinition<unknown, unknown>[] = []): string[] {
  return [...new Set([...SHIPPED.map((d) => d.id), ...extra.map((d) => d.id)])];
}

/** "unknown strategy "x" (known: bear-trap, daily-trend; a file of your own: --strategy-file FILE.ts)". */
export function unknownStrategyMessage(id: string, extra: readonly StrategyDefinition<unknown, unknown>[] = []): string {
  return `unknown strategy "${id}" (known: ${knownStrategyIds(extra).join(", ")}; a strategy of your own: --strategy-file FILE.ts)`;
}
