import { z } from "zod";

/**
 * The one config schema. Every default number of SPEC lives here with a description, so
 * `config/default.json`, the JSON Schema and the docs all come from one place.
 */

const hhmm = z.string().regex(/^\d{2}:\d{2}$/, "HH:MM (24h, America/New_York)");
const pct01 = z.number().min(0).max(1);

export const bearTrapSchema = z
  .object({
    minDayChangePct: z
      .number()
      .max(0)
      .default(-15)
      .describe("Setup: day change % from the session open must be at or below this (negative)."),
    minLowerWickRatio: pct01.default(0.15).describe("Reclaim candle: lower wick / range must be at least this."),
    minBodyRatio: pct01.default(0.2).describe("Reclaim candle: body / range must be at least this."),
    minVolumeMultiple: z
      .number()
      .min(0)
      .default(1.2)
      .describe("Reclaim candle: volume must be at least this x the 20-bar average volume (average includes the bar)."),
    stopAtrMultiple: z.number().min(0).default(0.45).describe("Stop = support - this x ATR(14)."),
    atrPeriod: z.number().int().min(1).max(500).default(14).describe("ATR period in bars (Wilder smoothing)."),
    volumeAvgPeriod: z.number().int().min(1).max(500).default(20).describe("Bars in the volume average."),
    tp1Fraction: pct01.default(0.4).describe("Fraction of the position sold at TP1 = entry + 0.5 x (session high - entry)."),
    tp1RangeFraction: pct01.default(0.5).describe("TP1 sits this far from entry to the session high."),
    tp2Fraction: pct01.default(0.3).describe("Fraction sold at TP2 = session high; the stop then moves to support."),
    runnerTrailBars: z
      .number()
      .int()
      .min(0)
      .max(390)
      .default(5)
      .describe(
        "After TP2 the runner's stop trails at support: max(support, lowest low of the last N bars). 0 keeps it at support.",
      ),
    timeStopMinutes: z.number().int().min(1).max(390).default(30).describe("Time stop: exit at the close of the first bar this many minutes after entry."),
    flattenAt: hhmm.default("15:55").describe("End-of-day flatten time (ET); no entries at or after it."),
    regularHoursOnly: z.boolean().default(true).describe("Ignore pre/post-market bars for indicators and signals."),
    maxSignalsPerSymbolPerDay: z.number().int().min(1).max(100).default(10).describe("Upper bound on signals one symbol may emit in a session."),
  })
  .strict();

export const riskSchema = z
  .object({
    maxTradesPerDay: z.number().int().min(0).default(10).describe("Entries allowed per trading day across all symbols."),
    maxOpenPositions: z.number().int().min(0).default(5).describe("Open positions allowed at once."),
    dailyLossLimitPct: z.number().min(0).max(100).default(10).describe("Halt new entries for the day once realised loss reaches this % of start-of-day equity."),
    maxNotionalUsd: z.number().min(0).default(50_000).describe("Largest notional of one position in USD."),
  })
  .strict();

export const sizingSchema = z
  .object({
    mode: z
      .enum(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"])
      .default("fixed")
      .describe("Sizing pipeline mode. Switching needs no code change."),
    riskPct: z.number().min(0).max(100).default(1).describe("Base risk per trade, % of equity."),
    minRiskPct: z.number().min(0).max(100).default(0.2).describe("Cap: smallest risk per trade, % of equity (below it the trade is skipped)."),
    maxRiskPct: z.number().min(0).max(100).default(5).describe("Cap: largest risk per trade, % of equity."),
  })
  .strict();

export const executionSchema = z
  .object({
    entryFill: z
      .enum(["signal_close", "next_open"])
      .default("signal_close")
      .describe("Backtest entry price: the reclaim bar's close, or the next bar's open."),
    frictionRoundTripPct: z.number().min(0).max(10).default(0.125).describe("Round-trip friction %; half is charged on each side."),
    initialEquityUsd: z.number().positive().default(100_000).describe("Starting cash of a backtest or the local exchange."),
    buyingPowerMultiple: z.number().min(0).max(4).default(1).describe("Buying power = cash x this (1 = cash account, 4 = day-trading margin)."),
  })
  .strict();

export const configSchema = z
  .object({
    strategy: bearTrapSchema.default(() => bearTrapSchema.parse({})),
    risk: riskSchema.default(() => riskSchema.parse({})),
    sizing: sizingSchema.default(() => sizingSchema.parse({})),
    execution: executionSchema.default(() => executionSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type BearTrapConfig = z.infer<typeof bearTrapSchema>;
export type RiskConfig = z.infer<typeof riskSchema>;
export type SizingConfig = z.infer<typeof sizingSchema>;
export type ExecutionConfig = z.infer<typeof executionSchema>;
