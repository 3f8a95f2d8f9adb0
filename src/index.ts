/**
 * The library face of sizewise: size your own signals with the same transparent pipeline the bot
 * uses. Everything here is a pure function of its arguments, except the stores you own and feed.
 *
 *   import { createSizer, defaultConfig } from "sizewise";
 *   const sizer = createSizer(defaultConfig());
 *   const d = sizer.size({ signal, entryPriceUsd: 10.01, stopUsd: 9.6, equityUsd: 100_000, buyingPowerUsd: 100_000, openPositions: 0 });
 *   d.qtyShares; d.summary; // "risk 1% x dd 1.0 -> 1.00% -> 2439 sh (cap: none)"
 */
import type { Config } from "./config/schema.ts";
import { createSizer as createPipelineSizer, type PipelineSizer, type SizerDeps } from "./sizing/pipeline.ts";

/** A sizer for a config's `sizing.mode` (switch modes by config, not code). */
export function createSizer(config: Pick<Config, "sizing" | "risk">, deps: SizerDeps = {}): PipelineSizer {
  return createPipelineSizer({ sizing: config.sizing, risk: config.risk }, deps);
}

export type { PipelineSizer, PipelineDecision, PositionAfter, SizingMode, SizerDeps } from "./sizing/pipeline.ts";
export { MODE_LAYERS } from "./sizing/pipeline.ts";
export { BUILTIN_MODES, modeLayerList } from "./sizing/modes.ts";
export { defineSizingLayer, loadSizingLayers, BUILTIN_LAYERS } from "./sizing/layers/index.ts";
export type { SizingLayer, SizingLayerDefinition, LayerContext, LayerSetup, LayerRegistry } from "./sizing/layers/index.ts";
export type { SizingAllocation } from "./sizing/sizer.ts";
export type { AllocatorView } from "./sizing/allocator.ts";
export type { Sizer, SizingInput, SizingContext, PositionSoFar } from "./sizing/sizer.ts";
export { KellyStatsStore } from "./sizing/kelly-stats.ts";
export type { KellySnapshot } from "./sizing/kelly-stats.ts";
export { kellyFraction, kellyFractions } from "./sizing/kelly.ts";
export { trainConfidenceModel, predict } from "./sizing/logistic.ts";
export type { ConfidenceModel } from "./sizing/logistic.ts";
export { calibrationTable } from "./sizing/calibration.ts";
export { ENTRY_FEATURES, entryFeatures } from "./sizing/entry-features.ts";
export { QLearningPolicy, NeutralRlPolicy, QTable, loadQTable, saveQTable } from "./sizing/rl/index.ts";
export { NeutralRegimeStub, FAIL_SAFE_REGIME_CALL } from "./sizing/regime-port.ts";
export type { RegimeCall, RegimeClassifier, Regime } from "./sizing/regime-port.ts";
export { createRegimeClassifier } from "./regime/classifier.ts";
export { fitRegimeModel } from "./regime/fit.ts";
export { loadRegimeModel, saveRegimeModel } from "./regime/model-file.ts";
export type { RegimeModel } from "./regime/model.ts";
export { ENTRY_FEATURE_NAMES, FEATURE_CATALOGUE } from "./features/catalogue.ts";
export type { NamedFeatures } from "./features/entry-features.ts";
export type { Signal, SizingDecision, SizingFactor, FullSize, TradeRecord, Fill, OrderIntent } from "./core/types.ts";
export { parseConfig, defaultConfig, loadConfigFile, ConfigError } from "./config/load.ts";
export type { Config } from "./config/schema.ts";
export { Engine } from "./engine/engine.ts";
export { runBacktest } from "./backtest/run.ts";
export { compareModes } from "./backtest/compare.ts";
export { createBearTrap } from "../strategies/bear-trap.ts";

// Strategies as plugins (issue 14): what a strategy author needs, and the registry.
export { bearTrap } from "../strategies/bear-trap.ts";
export type { BearTrapParams, BearTrapState } from "../strategies/bear-trap.ts";
export { findStrategy, listStrategies } from "../strategies/index.ts";
export { defineStrategy } from "./core/strategy.ts";
export type {
  StrategyDefinition,
  PluginStrategy,
  PluginExitPlan,
  ExitTarget,
  ExitAdd,
  IndicatorNeeds,
  StrategyTimeframe,
  StrategyHolding,
  StrategySlot,
  SlotRisk,
} from "./core/strategy.ts";
export type { SymbolSnapshot } from "./core/snapshot.ts";
export type { BarView } from "./core/bars.ts";
export { buildSlots, SlotError } from "./strategy/slots.ts";
export { loadStrategyFile, StrategyFileError } from "./strategy/load-file.ts";
export { strategyParams } from "./config/strategy-params.ts";
