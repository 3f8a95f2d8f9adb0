import type { StrategyDefinition, StrategySlot } from "../core/strategy.ts";
import type { Config } from "../config/schema.ts";
import { findStrategy, unknownStrategyMessage } from "../../strategies/index.ts";

/** A configuration of strategies that cannot run: the message says which instance and why. */
export class SlotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlotError";
  }
}

type AnyDefinition = StrategyDefinition<unknown, unknown>;

/**
 * The strategy slots a run trades, from `config.strategies`: each instance built with its parsed
 * params, its symbols resolved against the symbols the data (or trading.symbols) has, its share
 * of the account and its limits. Refused with a SlotError naming the instance: an unknown id, a
 * strategy without symbols among several, a symbol in two strategies (Alpaca nets one symbol into
 * one position per account, and its wash-trade check refuses opposite orders on one symbol, so two
 * strategies on one symbol in one account cannot be kept apart), allocations above the account.
 * `extra`: strategies loaded from --strategy-file (src/strategy/load-file.ts).
 */
export function buildSlots(config: Pick<Config, "strategies">, dataSymbols: readonly string[], extra: readonly AnyDefinition[] = []): StrategySlot[] {
  const list = config.strategies;
  const label = (i: number): string => `strategies[${i}] (${list[i].id})`;
  const inData = new Set(dataSymbols);
  const owner = new Map<string, number>();
  const symbolsOf = list.map((inst, i) => {
    if (inst.symbols.length === 0) {
      if (list.length > 1) throw new SlotError(`${label(i)} names no symbols: with several strategies each must list its own (strategies[${i}].symbols)`);
      return [...dataSymbols];
    }
    const mine = inst.symbols.filter((s) => inData.has(s));
    if (mine.length === 0) throw new SlotError(`${label(i)}: none of its symbols (${inst.symbols.join(", ")}) is in the data (${dataSymbols.slice(0, 10).join(", ")}${dataSymbols.length > 10 ? ", ..." : ""})`);
    for (const s of mine) {
      const other = owner.get(s);
      if (other !== undefined) {
        throw new SlotError(
          `${s} is in both ${label(other)} and ${label(i)}: one symbol can belong to one strategy only (Alpaca keeps one position per symbol per account, so two strategies' shares of it could not be told apart)`,
        );
      }
      owner.set(s, i);
    }
    return mine;
  });
  const allocations = equalShares(list.map((s) => s.allocation));
  return list.map((inst, i) => {
    const definition = findStrategy(inst.id, extra);
    if (definition === undefined) throw new SlotError(`${label(i)}: ${unknownStrategyMessage(inst.id, extra)}`);
    // Config parsing applied the defaults already; parsing again is a no-op for them and fills a hand-built config.
    const params = definition.params.parse(inst.params);
    const ownMax = (params as { maxPositionPct?: unknown } | null)?.maxPositionPct;
    return {
      definition,
      strategy: definition.create(params),
      instanceIndex: i,
      symbols: symbolsOf[i],
      indicators: definition.indicators(params),
      allocation: allocations[i],
      maxPositionPct: typeof ownMax === "number" && ownMax > 0 ? ownMax : 100,
      risk: { maxOpenPositions: inst.risk.maxOpenPositions, dailyLossLimitPct: inst.risk.dailyLossLimitPct },
      warmupBars: warmupOf(definition, params),
    };
  });
}

/** The definition's warm-up length for these params: a whole number >= 0 (a bad value means none). */
function warmupOf(definition: AnyDefinition, params: unknown): number {
  const n = definition.warmupBars?.(params) ?? 0;
  return Number.isFinite(n) && n > 0 ? Math.ceil(n) : 0;
}

/** Bars of its timeframe each symbol needs to warm up on: the largest of its slots' (0 when none). */
export function warmupBarsOf(slots: readonly StrategySlot[], timeframe: StrategySlot["definition"]["timeframe"]): number {
  return slots.filter((s) => s.definition.timeframe === timeframe).reduce((m, s) => Math.max(m, s.warmupBars ?? 0), 0);
}

/** Allocations with every null an equal share of what the set ones leave of 1. */
export function equalShares(given: readonly (number | null)[]): number[] {
  const set = given.reduce<number>((a, x) => a + (x ?? 0), 0);
  const open = given.filter((x) => x === null).length;
  if (set > 1 + 1e-9) throw new SlotError(`strategies' allocations add up to ${round(set)}: more than the whole account (1)`);
  const rest = 1 - set;
  if (open > 0 && rest <= 1e-9) throw new SlotError(`the strategies with an allocation take the whole account, leaving nothing for the ${open} without one`);
  return given.map((x) => x ?? rest / open);
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Each strategy id's configured share of the account (instances of one id added up): what the allocator layer compares its weights with. */
export function allocationsOf(slots: readonly StrategySlot[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of slots) m.set(s.definition.id, (m.get(s.definition.id) ?? 0) + s.allocation);
  return m;
}

/** The symbols of the strategies that decide on daily bars (the daemon subscribes their `d` bars). */
export function dailySymbolsOf(slots: readonly StrategySlot[]): string[] {
  return slots.filter((s) => s.definition.timeframe === "1Day").flatMap((s) => s.symbols);
}
