import type { BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import type { SizingDecision, TradeRecord } from "../core/types.ts";
import { Engine } from "../engine/engine.ts";
import type { EngineEvents, EngineResult } from "../engine/events.ts";
import { createSizer } from "../sizing/pipeline.ts";
import type { Sizer } from "../sizing/sizer.ts";
import type { RegimeClassifier } from "../sizing/regime-port.ts";
import { LearningState } from "../engine/learning.ts";
import { SeededRng } from "../core/rng.ts";
import type { QTable } from "../sizing/rl/index.ts";
import type { StrategySlot } from "../core/strategy.ts";
import { allocationsOf, buildSlots } from "../strategy/slots.ts";
import { strategyBreakdown, type StrategyRow } from "../report/by-strategy.ts";
import { computeMetrics, type Metrics } from "./metrics.ts";
import { BacktestWarmUp } from "./warm-up.ts";

export interface BacktestRun {
  readonly engine: EngineResult;
  readonly learning: LearningState;
  readonly metrics: Metrics;
  /** P/L, trades, win rate, Kelly and allocation used per strategy (every slot, traded or not). */
  readonly byStrategy: StrategyRow[];
  readonly elapsedMs: number;
  readonly barsPerSec: number;
}

export interface RunOptions {
  readonly config: Config;
  readonly source: BarSource;
  /** The strategies and their symbols; default: the config's (buildSlots). */
  readonly slots?: readonly StrategySlot[];
  readonly sizer?: Sizer;
  readonly events?: EngineEvents;
  /** Start the RL layer from this table (e.g. one trained by train-rl) instead of an empty one. */
  readonly qTable?: QTable | null;
  /** Use this learning state (e.g. one fitted on a walk-forward train window) instead of a fresh one; `qTable` is then ignored. */
  readonly learning?: LearningState;
  /** Classifies each entry (a trained regime model); none = the fail-safe NORMAL call. */
  readonly regime?: RegimeClassifier;
  /** Called after each batch with the bars consumed so far. */
  readonly onProgress?: (bars: number) => void;
  /**
   * The run starts here: bars before it are history. A strategy that declares warmupBars warms up
   * on its symbols' last ones (engine.warmUp); the rest are dropped. Default: every bar is run.
   */
  readonly warmupFromMs?: number;
}

/** Runs the engine over a bar source to the end and measures the result. Deterministic. */
export function runBacktest(opts: RunOptions): BacktestRun {
  const { config, source } = opts;
  const learning = opts.learning ?? new LearningState(config, new SeededRng(config.execution.seed), opts.qTable ?? null);
  const slots = opts.slots ?? buildSlots(config, source.symbols);
  learning.setAllocations(allocationsOf(slots));
  const engine = new Engine({
    config,
    symbols: source.symbols,
    slots,
    sizer: opts.sizer ?? createSizer({ sizing: config.sizing, risk: config.risk }),
    events: opts.events,
    regime: opts.regime,
    learning,
  });
  const t0 = performance.now();
  const warm = opts.warmupFromMs === undefined ? null : new BacktestWarmUp(engine, source.symbols, slots, opts.warmupFromMs);
  for (let b = source.nextBatch(); b !== null; b = source.nextBatch()) {
    if (warm === null) engine.runBatch(b);
    else warm.run(b);
    opts.onProgress?.(engine.result.bars);
  }
  warm?.flush();
  source.close?.();
  const result = engine.finish();
  const elapsedMs = performance.now() - t0;
  const metrics = computeMetrics({
    initialEquityUsd: config.execution.initialEquityUsd,
    daily: result.daily,
    trades: result.trades,
    exposedMs: result.exposedMs,
    marketMs: result.marketMs,
    startMs: result.firstBarMs,
    endMs: result.lastBarMs,
  });
  return { engine: result, learning, metrics, byStrategy: tradesByStrategy(result.trades, slots), elapsedMs, barsPerSec: elapsedMs > 0 ? (result.bars / elapsedMs) * 1000 : 0 };
}

/** The per-strategy breakdown of a run's trades; every slot has a row (its configured allocation), traded or not. */
export function tradesByStrategy(trades: readonly TradeRecord[], slots: readonly StrategySlot[]): StrategyRow[] {
  return strategyBreakdown(
    trades.map((t) => ({ strategy: t.strategyId, pnlUsd: t.pnlUsd, notionalUsd: t.shares * t.entryPriceUsd, equityUsd: t.sizing.equityUsd })),
    Object.fromEntries(allocationsOf(slots)),
  );
}

/** The trade list as the JSON output shows it: numbers rounded for reading, reasons kept whole. */
export function tradeListJson(trades: readonly TradeRecord[]): object[] {
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const r4 = (x: number): number => Math.round(x * 10_000) / 10_000;
  return trades.map((t) => ({
    id: t.id,
    symbol: t.symbol,
    strategy: t.strategyId,
    entryTime: t.entryTime,
    exitTime: t.exitTime,
    entryPrice: r4(t.entryPriceUsd),
    exitPrice: r4(t.exitPriceUsd),
    shares: t.shares,
    stop: r4(t.initialStopUsd),
    r: r4(t.rMultiple),
    pnl: r2(t.pnlUsd),
    exitReason: t.exitReason,
    template: t.template,
    entries: t.entries.map((e) => ({ time: new Date(e.timeMs).toISOString(), shares: e.qtyShares, price: r4(e.priceUsd), reason: e.reason })),
    exits: t.exits.map((e) => ({ time: new Date(e.timeMs).toISOString(), shares: e.qtyShares, price: r4(e.priceUsd), reason: e.reason })),
    sizing: sizingJson(t.sizing),
    addSizing: t.addSizing.map(sizingJson),
    signal: {
      stop: t.signal.stopPriceUsd === null ? null : r4(t.signal.stopPriceUsd),
      dayChangePct: r2(t.signal.dayChangePct),
      support: r4(t.signal.detail.supportUsd),
      reclaimedLevel: r4(t.signal.detail.reclaimedLevelUsd),
      atr: r4(t.signal.atrUsd),
      lowerWickRatio: r4(t.signal.detail.lowerWickRatio),
      bodyRatio: r4(t.signal.detail.bodyRatio),
      volumeRatio: r4(t.signal.detail.volumeRatio),
    },
  }));
}

/** A sizing decision as the trade list shows it: every factor and reason, the cap, the summary. */
function sizingJson(d: SizingDecision): object {
  return {
    mode: d.mode,
    summary: d.summary,
    qtyShares: d.qtyShares,
    riskPct: Math.round(d.riskPct * 10_000) / 10_000,
    cap: d.cap,
    factors: d.factors,
    template: d.template?.name ?? null,
    probability: d.probability ?? null,
    regime: d.regime ?? null,
  };
}
