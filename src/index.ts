/**
 * The library face of sizewise: the pieces another bot can import. The full sizing pipeline
 * (`createSizer`) lands with the sizing issue; today the fixed-fraction sizer and the engine are exported.
 */
export { createFixedFractionSizer } from "./sizing/fixed-fraction.ts";
export type { Sizer, SizingInput } from "./sizing/sizer.ts";
export type { Signal, SizingDecision, SizingFactor, TradeRecord, Fill, OrderIntent } from "./core/types.ts";
export { parseConfig, defaultConfig, loadConfigFile, ConfigError } from "./config/load.ts";
export type { Config } from "./config/schema.ts";
export { Engine } from "./engine/engine.ts";
export { runBacktest } from "./backtest/run.ts";
export { createBearTrap } from "../strategies/bear-trap.ts";
