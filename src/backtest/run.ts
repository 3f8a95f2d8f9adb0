import type { BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import type { TradeRecord } from "../core/types.ts";
import { Engine } from "../engine/engine.ts";
import type { EngineEvents, EngineResult } from "../engine/events.ts";
import { createFixedFractionSizer } from "../sizing/fixed-fraction.ts";
import type { Sizer } from "../sizing/sizer.ts";
import { createBearTrap } from "../../strategies/bear-trap.ts";
import { computeMetrics, type Metrics } from "./metrics.ts";

export interface BacktestRun {
  readonly engine: EngineResult;
  readonly metrics: Metrics;
  readonly elapsedMs: number;
  readonly barsPerSec: number;
}

export interface RunOptions {
  readonly config: Config;
  readonly source: BarSource;
  readonly sizer?: Sizer;
  readonly events?: EngineEvents;
  /** Called after each batch with the bars consumed so far. */
  readonly onProgress?: (bars: number) => void;
}

/** Runs the engine over a bar source to the end and measures the result. Deterministic. */
export function runBacktest(opts: RunOptions): BacktestRun {
  const { config, source } = opts;
  const engine = new Engine({
    config,
    symbols: source.symbols,
    strategy: createBearTrap(config.strategy),
    sizer: opts.sizer ?? createFixedFractionSizer(config.sizing, config.risk),
    events: opts.events,
  });
  const t0 = performance.now();
  for (let b = source.nextBatch(); b !== null; b = source.nextBatch()) {
    engine.runBatch(b);
    opts.onProgress?.(engine.result.bars);
  }
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
  return { engine: result, metrics, elapsedMs, barsPerSec: elapsedMs > 0 ? (result.bars / elapsedMs) * 1000 : 0 };
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
    exits: t.exits.map((e) => ({ time: new Date(e.timeMs).toISOString(), shares: e.qtyShares, price: r4(e.priceUsd), reason: e.reason })),
    sizing: t.sizing,
    signal: {
      dayChangePct: r2(t.signal.dayChangePct),
      support: r4(t.signal.supportUsd),
      reclaimedLevel: r4(t.signal.reclaimedLevelUsd),
      atr: r4(t.signal.atrUsd),
      lowerWickRatio: r4(t.signal.lowerWickRatio),
      bodyRatio: r4(t.signal.bodyRatio),
      volumeRatio: r4(t.signal.volumeRatio),
    },
  }));
}
