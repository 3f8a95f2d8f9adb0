import type { BarView } from "./bars.ts";
import type { SymbolSnapshot } from "./snapshot.ts";
import type { Signal } from "./types.ts";

/** A take-profit level: sell `fraction` of the entry quantity when price trades through it. */
export interface ExitTarget {
  readonly label: string;
  readonly priceUsd: number;
  /** Of the shares entered so far (initial plus adds). */
  readonly fraction: number;
  /** Sell everything still held (the last target of a template, or an early exit). */
  readonly rest?: boolean;
}

/** A scale-in: when a bar closes at or above `priceUsd`, add a position sized by the pipeline then. */
export interface ExitAdd {
  readonly index: number;
  readonly priceUsd: number;
}

/** How a position is managed after its entry fills. */
export interface ExitPlan {
  readonly stopUsd: number;
  /** Ascending prices. */
  readonly targets: readonly ExitTarget[];
  /** After the target with this label fills, the stop moves up to `stopUsd` (never down). */
  readonly stopMoveAfter: { readonly label: string; readonly stopUsd: number } | null;
  /** Once the stop has moved, it also trails at the lowest low of the last N bars (0 = off). */
  readonly trailBars: number;
  readonly timeStopMinutes: number;
  /** Scale-ins (template modes only); ascending. */
  readonly adds?: readonly ExitAdd[];
  /** The template the plan came from, if any (adds are sized with it pinned). */
  readonly templateName?: string;
}

/**
 * A strategy: a pure function of (its own per-symbol state, a read-only snapshot, the bar).
 * It proposes entries and exit plans; it never places orders, and the engine guards each call.
 */
export interface Strategy<S> {
  readonly id: string;
  createState(): S;
  /**
   * Called on every eligible bar after the symbol's indicators took that bar. Must not allocate
   * unless it returns a Signal (rare): this is the per-bar hot path.
   */
  onBar(state: S, snap: SymbolSnapshot, bar: Readonly<BarView>): Signal | null;
  exitPlan(signal: Signal, entryPriceUsd: number): ExitPlan;
}

/*
 * ---- Strategies as plugins (issue 14): the contract every strategy module in `strategies/` (and a
 * user's `--strategy-file`) exports. The engine, config, registry and CLI are built against it. ----
 */

/** The bar size a strategy decides on. "1Day" bars are Alpaca's daily bars (or minute bars consolidated). */
export type StrategyTimeframe = "1Min" | "1Day";

/**
 * How long a strategy holds: "intraday" enters in the regular session only and is flattened before
 * the close; "overnight" holds across sessions and weekends (no flatten, no time-of-day entry cut-off).
 */
export type StrategyHolding = "intraday" | "overnight";

/** The shared per-symbol indicators a strategy reads from its SymbolSnapshot (periods in bars of its timeframe). */
export interface IndicatorNeeds {
  readonly atrPeriod: number;
  readonly volumeAvgPeriod: number;
}

/** A zod-like schema: parses unknown input to P (defaults applied) or throws; a zod object in practice. */
export interface ParamsSchema<P> {
  parse(input: unknown): P;
}

/**
 * One strategy module's export (`export default defineStrategy({...})` or a named `strategy` export).
 * `params` is a zod object whose every field has a default and a `.describe()`, so `config show
 * --explain`, the JSON Schema and docs/config.md list it. Per-symbol settings, when a strategy has
 * them, are part of its own params (e.g. a `bySymbol` map); `createState(symbol)` receives the symbol.
 */
export interface StrategyDefinition<P = unknown, S = unknown> {
  /** kebab-case; appears in config, client order ids, the journal and reports. */
  readonly id: string;
  /** One line for `sizewise strategies`. */
  readonly description: string;
  readonly params: ParamsSchema<P>;
  readonly timeframe: StrategyTimeframe;
  readonly holding: StrategyHolding;
  /** Periods of the shared indicators this strategy reads (the engine builds them per symbol). */
  indicators(params: P): IndicatorNeeds;
  /** Builds the strategy for one configured instance (params already parsed, defaults applied). */
  create(params: P): PluginStrategy<S>;
  /**
   * Bars of its timeframe the strategy needs before its first decision (optional; none when absent).
   * A run fetches that many bars before its first session and feeds them to `engine.warmUp`:
   * indicators and strategy state advance, nothing is traded.
   */
  warmupBars?(params: P): number;
}

/**
 * A strategy as the engine runs it. Like Strategy, plus: the symbol its state is for, an optional
 * exit signal (a rule exit such as an indicator cross, checked on every bar while a position of
 * that symbol is open, before onBar), and exit plans whose stop may be absent.
 */
export interface PluginStrategy<S> {
  readonly id: string;
  createState(symbol: string): S;
  onBar(state: S, snap: SymbolSnapshot, bar: Readonly<BarView>): Signal | null;
  /** A reason to close the open position at this bar's decision (e.g. "rsi_exit"), or null to hold. */
  exitSignal?(state: S, snap: SymbolSnapshot, bar: Readonly<BarView>): string | null;
  exitPlan(signal: Signal, entryPriceUsd: number): PluginExitPlan;
}

/**
 * ExitPlan with the protective parts optional: `stopUsd` null = no stop order (the position is sized
 * by allocation, not by risk to a stop); `timeStopMinutes` null = no time stop. Targets may be empty.
 */
export interface PluginExitPlan extends Omit<ExitPlan, "stopUsd" | "timeStopMinutes" | "stopMoveAfter"> {
  readonly stopUsd: number | null;
  readonly timeStopMinutes: number | null;
  readonly stopMoveAfter: ExitPlan["stopMoveAfter"];
}

/** Identity helper for strategy modules: checks the shape and infers P and S. */
export function defineStrategy<P, S>(def: StrategyDefinition<P, S>): StrategyDefinition<P, S> {
  return def;
}

/** Limits one strategy instance has on top of the account's (null = the account's own limit only). */
export interface SlotRisk {
  readonly maxOpenPositions: number | null;
  readonly dailyLossLimitPct: number | null;
}

/**
 * One configured strategy instance as the engine runs it: the definition, the built strategy, the
 * symbols it trades (disjoint from every other slot's), its share of the account and its limits.
 * Built from config by `buildSlots` (src/strategy/slots.ts).
 */
export interface StrategySlot {
  readonly definition: StrategyDefinition<unknown, unknown>;
  readonly strategy: PluginStrategy<unknown>;
  /** Position in config.strategies. */
  readonly instanceIndex: number;
  readonly symbols: readonly string[];
  readonly indicators: IndicatorNeeds;
  /** Fraction of account equity this strategy may use (0..1]. */
  readonly allocation: number;
  /** Largest position in one symbol, % of equity (the strategy's own limit, else 100). */
  readonly maxPositionPct: number;
  readonly risk: SlotRisk;
  /** Bars of its timeframe to warm up on before the run's first session (definition.warmupBars; 0 or absent: none). */
  readonly warmupBars?: number;
}
