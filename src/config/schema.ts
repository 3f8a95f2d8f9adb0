import { notifySchema } from "../notify/config.ts";
import { z } from "zod";
import { rlConfigSchema } from "../sizing/rl/config.ts";
import { ENTRY_FEATURE_NAMES, MOMENTUM_LOOKBACKS } from "../features/catalogue.ts";
import { dataSchema } from "./data-schema.ts";
import { legacyStrategySchema, sessionSchema, strategiesSchemaWith, withStrategyParams } from "./strategies-schema.ts";
import { migrateLegacyConfig } from "./legacy.ts";
import type { StrategyDefinition } from "../core/strategy.ts";

/**
 * The one config schema. Every default number of SPEC lives here with a description, so
 * `config/default.json`, the JSON Schema and the docs all come from one place.
 */

const pct01 = z.number().min(0).max(1);

/**
 * Emergency halts of the daemon: conditions that trip its kill switch (the state/HALT flag file),
 * which stops new entries on every day until `sizewise resume`; open positions stay managed.
 */
export const emergencySchema = z
  .object({
    onDrawdown: z
      .boolean()
      .default(true)
      .describe(
        "Trip the kill switch when the drawdown from the equity high-water mark reaches sizing.drawdown.haltAtPct (the ladder's emergency level, which already sizes new entries to 0), so entries stay halted after the drawdown eases, until resumed.",
      ),
    maxConsecutiveLosingDays: z
      .number()
      .int()
      .min(0)
      .max(250)
      .default(0)
      .describe(
        "Trip the kill switch after this many losing sessions in a row (equity at a session's end below the previous session's end, by any amount); 0 = off. Off by default: with a few trades a day, a run of small red days is common noise; 5 is a sensible setting for an account that trades daily.",
      ),
    onDailyLoss: z
      .boolean()
      .default(true)
      .describe("Trip the kill switch when the daily loss limit (risk.dailyLossLimitPct) is hit, so entries stay halted on the next sessions too, until resumed; false: that halt lasts for the day only."),
  })
  .strict();

export const riskSchema = z
  .object({
    maxTradesPerDay: z.number().int().min(0).default(10).describe("Entries allowed per trading day across all symbols."),
    maxOpenPositions: z.number().int().min(0).default(5).describe("Open positions allowed at once."),
    dailyLossLimitPct: z.number().min(0).max(100).default(10).describe("Halt new entries for the day once realised loss reaches this % of start-of-day equity."),
    maxNotionalUsd: z.number().min(0).default(50_000).describe("Largest notional of one position in USD."),
    emergency: emergencySchema
      .default(() => emergencySchema.parse({}))
      .describe("Emergency halts of the daemon: conditions that trip its kill switch (the HALT flag file in the state folder) until `sizewise resume`."),
  })
  .strict();

/** Kelly layer: closed-trade statistics in R multiples, shrunk toward a prior while the sample is small. */
export const kellySchema = z
  .object({
    window: z.number().int().min(1).max(10_000).default(50).describe("Rolling window: the last N closed trades feed the statistics."),
    minSample: z
      .number()
      .int()
      .min(0)
      .default(20)
      .describe("Below this many closed trades Kelly answers neutral (factor 1.0: base risk)."),
    scope: z
      .enum(["strategy", "symbol", "all"])
      .default("strategy")
      .describe("Which history feeds Kelly: the signal's strategy on all symbols, that strategy on this symbol only, or every trade."),
    priorWinRate: z.number().gt(0).lt(1).default(0.5).describe("Prior win rate W the estimate is shrunk toward."),
    priorPayoff: z.number().positive().default(1.5).describe("Prior payoff B = average win R / average loss R the estimate is shrunk toward."),
    priorStrength: z
      .number()
      .min(0)
      .default(20)
      .describe("The prior counts as this many trades: the observed W and B get weight n / (n + priorStrength)."),
    fraction: z.number().gt(0).max(1).default(0.25).describe("Fractional Kelly: the share of full Kelly that is bet (0.25 = quarter Kelly)."),
    floorFactor: z
      .number()
      .min(0)
      .max(1)
      .default(0.25)
      .describe("Smallest Kelly factor; used when Kelly <= 0 (no edge) so trading, and so the statistics, never stop."),
  })
  .strict()
  .refine((k) => k.minSample <= k.window, { message: "minSample must not exceed window (Kelly would never engage)", path: ["minSample"] });

const ladderRung = z
  .object({
    minProbability: pct01.describe("Win probability at or above which this rung applies."),
    factor: z.number().min(0).max(10).describe("Size multiplier of this rung."),
  })
  .strict();

/** Confidence layer: a calibrated win probability mapped through a ladder. */
export const confidenceSchema = z
  .object({
    minSamples: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe("Below this many training trades the model is not used and the layer answers neutral (1.0)."),
    l2: z.number().min(0).default(1).describe("L2 penalty on the standardized logistic-regression weights (not the intercept)."),
    ladder: z
      .array(ladderRung)
      .min(1)
      .max(20)
      .refine((xs) => xs.every((x, i) => i === 0 || (x.minProbability < xs[i - 1].minProbability && x.factor <= xs[i - 1].factor)), {
        message: "rungs must be ordered by strictly decreasing minProbability with non-increasing factors (size is monotone in p)",
      })
      .default(() => [
        { minProbability: 0.85, factor: 2 },
        { minProbability: 0.75, factor: 1.5 },
        { minProbability: 0.65, factor: 1 },
      ])
      .describe("Rungs from the highest probability down; the first rung whose minProbability p reaches gives the factor."),
    belowFactor: z.number().min(0).max(10).default(0.5).describe("Factor when p is below every rung."),
  })
  .strict()
  // zod runs this even when the ladder failed its own checks: an empty ladder is that issue, not a crash.
  .refine((c) => c.ladder.length === 0 || c.belowFactor <= c.ladder[c.ladder.length - 1].factor, {
    message: "belowFactor must not exceed the lowest rung's factor (size is monotone in p)",
    path: ["belowFactor"],
  });

/** Volatility layer: ATR relative to its own average. */
export const volatilitySchema = z
  .object({
    elevatedRatio: z.number().positive().default(1.2).describe("ATR / its average strictly above this is elevated."),
    elevatedFactor: z.number().min(0).max(1).default(0.85).describe("Factor for elevated volatility."),
    highRatio: z.number().positive().default(1.5).describe("ATR / its average strictly above this is high."),
    highFactor: z.number().min(0).max(1).default(0.7).describe("Factor for high volatility."),
  })
  .strict()
  .refine((c) => c.highRatio > c.elevatedRatio, { message: "highRatio must exceed elevatedRatio", path: ["highRatio"] });

const drawdownRung = z
  .object({
    atPct: z.number().gt(0).max(100).describe("Drawdown % from the equity high-water mark at or beyond which this rung applies."),
    factor: z.number().min(0).max(1).describe("Size multiplier once this rung is reached."),
  })
  .strict();

/** Drawdown cutbacks: a ladder on the drawdown from the high-water mark and an emergency halt. */
export const drawdownSchema = z
  .object({
    ladder: z
      .array(drawdownRung)
      .max(20)
      .refine((xs) => xs.every((x, i) => i === 0 || (x.atPct > xs[i - 1].atPct && x.factor <= xs[i - 1].factor)), {
        message: "rungs must be ordered by strictly increasing atPct with non-increasing factors",
      })
      .default(() => [{ atPct: 10, factor: 0.5 }])
      .describe("Rungs by increasing drawdown; the deepest rung reached applies."),
    haltAtPct: z.number().gt(0).max(100).default(20).describe("At or beyond this drawdown % new entries are halted (factor 0)."),
  })
  .strict();

const rStep = z
  .object({
    atR: z.number().gt(0).max(100).describe("Trigger in R multiples of the initial risk (price = entry + atR x R)."),
    fraction: z.number().gt(0).max(10).describe("Fraction: of the full size for an add, of the position for a target."),
  })
  .strict();

const increasingR = (xs: readonly { atR: number }[]) => xs.every((x, i) => i === 0 || x.atR > xs[i - 1].atR);

/** A scaling template: how much of the full size to enter, when to add, where to take profits. */
export const templateSchema = z
  .object({
    initialFraction: z.number().gt(0).max(10).describe("Initial entry as a fraction of the full size (1.5 = 1.5x base)."),
    adds: z.array(rStep).max(10).refine(increasingR, { message: "adds must have strictly increasing atR" }).describe("Adds: +fraction of the full size when price reaches atR."),
    maxFraction: z.number().gt(0).max(10).describe("Most of the full size the position may ever reach."),
    targets: z
      .array(rStep)
      .min(1)
      .max(10)
      .refine(increasingR, { message: "targets must have strictly increasing atR" })
      .refine((xs) => xs.reduce((a, x) => a + x.fraction, 0) <= 1 + 1e-9, { message: "target fractions must sum to at most 1" })
      .describe("Profit targets: sell this fraction of the position at atR."),
    earlyExitR: z.number().gt(0).max(100).optional().describe("Optional: close whatever is still open at this R (the early-exit variant)."),
  })
  .strict()
  .refine((t) => t.initialFraction + t.adds.reduce((a, x) => a + x.fraction, 0) <= t.maxFraction + 1e-9, {
    message: "initialFraction plus all adds must not exceed maxFraction",
    path: ["maxFraction"],
  });

const templateName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, "a template name (letters, digits, _ or -)");

export const regimeTemplatesSchema = z
  .object({
    ADD_ALLOWED: templateName.default("aggressive").describe("Template used when the regime model says ADD_ALLOWED."),
    ADD_NEUTRAL: templateName.default("normal").describe("Template for ADD_NEUTRAL, and the fail-safe NORMAL when no regime call exists."),
    NO_ADD: templateName.default("conservative").describe("Template used when the regime model says NO_ADD."),
  })
  .strict();

import { BUILTIN_LAYER_NAMES, MODE_NAME_PATTERN, isBuiltinLayer, isBuiltinMode, isLayerFile, knownModes } from "../sizing/modes.ts";

const modeName = z.string().regex(MODE_NAME_PATTERN, "a mode name (letters, digits, _ or -)");

const layerEntry = z
  .string()
  .min(1)
  .max(500)
  .refine((e) => isBuiltinLayer(e) || isLayerFile(e), {
    message: `a built-in layer (${BUILTIN_LAYER_NAMES.join(", ")}) or the path of a layer file (containing / and ending .ts, .mts, .js or .mjs)`,
  })
  .describe(`A built-in layer (${BUILTIN_LAYER_NAMES.join(", ")}) or the path of a layer module, relative to the working directory, whose default export is a sizing layer definition.`);

/** The allocator layer `alloc`: weights across strategies from per-strategy Kelly under a total-risk limit (what `replay --allocate` computes). */
export const allocatorSchema = z
  .object({
    totalRiskPct: z
      .number()
      .gt(0)
      .max(100)
      .default(10)
      .describe("Total-risk limit, % of equity at risk when every strategy's trades are open at once (replay --risk-limit): the strategies' half-Kelly risks are scaled down together to fit it."),
    minTrades: z.number().int().min(1).max(100_000).default(20).describe("Closed trades every strategy needs before the allocator engages; below, the layer answers neutral 1.0."),
    window: z.number().int().min(1).max(100_000).default(200).describe("Each strategy's statistics come from its last N trades closed before the decision."),
    floorFactor: z
      .number()
      .min(0)
      .max(1)
      .default(0.25)
      .describe("Smallest allocator factor: a strategy with no edge (weight 0) still trades this much, so its statistics can recover."),
  })
  .strict()
  .refine((a) => a.minTrades <= a.window, { message: "minTrades must not exceed window (the allocator would never engage)", path: ["minTrades"] });

export type AllocatorConfig = z.infer<typeof allocatorSchema>;

export const sizingSchema = z
  .object({
    mode: z
      .union([z.enum(["fixed", "kelly", "kelly_confidence", "regime_template", "rl", "full"]), modeName])
      .default("fixed")
      .describe("Sizing pipeline mode. Switching needs no code change. A built-in mode or one defined in sizing.modes."),
    modes: z
      .record(modeName, z.array(layerEntry).max(20))
      .default(() => ({}))
      .describe(
        'Your own modes: a name and its list of layers, e.g. {"kelly_vol": ["kelly", "vol"]}. The drawdown layer dd always applies (after the others unless the list places it); tmpl orders a fraction of the full size.',
      ),
    allocator: allocatorSchema.default(() => allocatorSchema.parse({})).describe("The allocator layer alloc (modes that list it)."),
    riskPct: z.number().min(0).max(100).default(1).describe("Base risk per trade, % of equity."),
    minRiskPct: z.number().min(0).max(100).default(0.2).describe("Cap: smallest risk of a position's full size (decided once at entry), % of equity: a smaller positive target from the layers is raised to it once (sizing never vetoes an entry); adds are fractions of that full size and are never raised."),
    maxRiskPct: z.number().min(0).max(100).default(5).describe("Cap: largest risk of the whole position (entry and every add, to the stop), % of equity."),
    kelly: kellySchema.default(() => kellySchema.parse({})).describe("Kelly layer (modes kelly, kelly_confidence, full)."),
    confidence: confidenceSchema
      .default(() => confidenceSchema.parse({}))
      .describe("Confidence layer: logistic win probability -> ladder (modes kelly_confidence, full)."),
    volatility: volatilitySchema.default(() => volatilitySchema.parse({})).describe("Volatility layer (mode full only)."),
    drawdown: drawdownSchema.default(() => drawdownSchema.parse({})).describe("Drawdown cutbacks (every mode)."),
    templates: z
      .record(templateName, templateSchema)
      .default(() => ({
        conservative: { initialFraction: 0.5, adds: [], maxFraction: 0.5, targets: [{ atR: 0.8, fraction: 0.5 }, { atR: 1.5, fraction: 0.5 }] },
        conservative_early_exit: {
          initialFraction: 0.5,
          adds: [],
          maxFraction: 0.5,
          targets: [{ atR: 0.8, fraction: 0.5 }, { atR: 1.5, fraction: 0.5 }],
          earlyExitR: 1,
        },
        normal: { initialFraction: 0.5, adds: [{ atR: 0.5, fraction: 0.25 }], maxFraction: 0.75, targets: [{ atR: 1, fraction: 0.4 }, { atR: 2, fraction: 0.6 }] },
        aggressive: {
          initialFraction: 0.33,
          adds: [{ atR: 0.5, fraction: 0.33 }, { atR: 1, fraction: 0.34 }],
          maxFraction: 1,
          targets: [{ atR: 1.5, fraction: 0.3 }, { atR: 3, fraction: 0.7 }],
        },
      }))
      .describe("Scaling templates by name (modes regime_template, full). Add your own; map them in regimeTemplates."),
    regimeTemplates: regimeTemplatesSchema.default(() => regimeTemplatesSchema.parse({})).describe("Which template each regime class uses."),
    rl: rlConfigSchema.default(() => rlConfigSchema.parse({})).describe("RL size multiplier: tabular Q-learning (modes rl, full)."),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.minRiskPct > s.maxRiskPct) ctx.addIssue({ code: "custom", path: ["minRiskPct"], message: "minRiskPct must not exceed maxRiskPct" });
    for (const [name, list] of Object.entries(s.modes)) {
      if (isBuiltinMode(name)) ctx.addIssue({ code: "custom", path: ["modes", name], message: `"${name}" is a built-in mode: give your mode another name` });
      const dup = list.find((x, i) => list.indexOf(x) !== i);
      if (dup !== undefined) ctx.addIssue({ code: "custom", path: ["modes", name], message: `layer "${dup}" is listed twice` });
    }
    if (!isBuiltinMode(s.mode) && !Object.hasOwn(s.modes, s.mode)) {
      ctx.addIssue({ code: "custom", path: ["mode"], message: `unknown sizing mode: not built in and not defined in sizing.modes (${knownModes(s.modes).join(", ")})` });
    }
    for (const [regime, name] of Object.entries(s.regimeTemplates)) {
      if (!Object.hasOwn(s.templates, name)) {
        ctx.addIssue({ code: "custom", path: ["regimeTemplates", regime], message: `no template named "${name}" in sizing.templates` });
      }
    }
  });

export const executionSchema = z
  .object({
    entryFill: z
      .enum(["signal_close", "next_open"])
      .default("signal_close")
      .describe("Backtest entry price: the reclaim bar's close, or the next bar's open."),
    exitFill: z
      .enum(["bar_close", "next_open"])
      .default("bar_close")
      .describe("Backtest price of market exits and scale-ins (time stop, flatten): the deciding bar's close, or the next bar's open (what a live broker gives)."),
    frictionRoundTripPct: z.number().min(0).max(10).default(0.125).describe("Round-trip friction %; half is charged on each side."),
    initialEquityUsd: z.number().positive().default(100_000).describe("Starting cash of a backtest or the local exchange."),
    buyingPowerMultiple: z.number().min(0).max(4).default(1).describe("Buying power = equity x this - long market value (1 = cash account, 4 = day-trading margin)."),
    seed: z.number().int().default(1).describe("Seed of every random choice in a run (RL exploration), so backtests are reproducible."),
  })
  .strict();

export const tradingSchema = z
  .object({
    live: z
      .boolean()
      .default(false)
      .describe("Allow live (real-money) trading. Needs --live on the command line as well; anything less stays on paper."),
    symbols: z
      .array(z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, "an upper-case ticker"))
      .default(() => [])
      .describe("Symbols the daemon trades on Alpaca (the local exchange trades every symbol of its data when empty)."),
  })
  .strict();

export const daemonSchema = z
  .object({
    feed: z.enum(["iex", "sip"]).default("iex").describe("Alpaca market-data feed for bars (iex is free; sip needs a subscription)."),
    maxReplayDays: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(30)
      .describe("A restart rebuilds the run by replaying it from its start over REST; a run older than this many days starts afresh instead."),
    warmupMinutesBeforeOpen: z.number().int().min(1).max(240).default(30).describe("The warm-up job runs this many minutes before the open (broker calendar)."),
    summaryMinutesAfterClose: z.number().int().min(0).max(240).default(5).describe("The journal summary job runs this many minutes after the close."),
    nightlyRetrain: z.boolean().default(false).describe("Run the nightly retrain job (20:00 New York) on trading days."),
    closeUnknownPositions: z
      .boolean()
      .default(false)
      .describe("At start-up, close broker positions the bot's state does not know (default: flag them in the journal and leave them alone)."),
    reconnectInitialMs: z.number().int().min(10).max(60_000).default(1000).describe("First stream reconnect delay; it doubles up to 64 s."),
  })
  .strict();

/** How a trade's path after entry becomes a regime label (what the regime model learns to predict). */
export const regimeLabelsSchema = z
  .object({
    addAllowedR: z
      .number()
      .gt(0)
      .max(20)
      .default(1)
      .describe("Label ADD_ALLOWED: a bar after the entry bar reached entry + this x R (its high) before any bar reached the stop."),
    noAddR: z
      .number()
      .gt(0)
      .max(20)
      .default(0.5)
      .describe("Label NO_ADD: a bar after the entry bar reached the stop (its low) before any reached entry + this x R. Every other path is ADD_NEUTRAL."),
    horizon: z
      .enum(["time_stop", "session"])
      .default("time_stop")
      .describe(
        "How far after entry a path is read: to the strategy's time stop (no template holds a trade longer, so a later +1R could never be added into) or to the flatten time. Either way it is the same window for every sizing mode and template, so a label never depends on the template the model itself picks.",
      ),
  })
  .strict()
  .refine((l) => l.noAddR <= l.addAllowedR, { message: "noAddR must not exceed addAllowedR", path: ["noAddR"] });

/** The regime model (SPEC section 2): a depth <= 3 decision tree on entry-time features, with fail-safes. */
export const regimeSchema = z
  .object({
    modelPath: z.string().min(1).default("state/regime-model.json").describe("Where `train` writes the model by default (and where a run looks for it)."),
    features: z
      .union([z.enum(["all", "structural", "momentum"]), z.array(z.string()).min(1)], {
        error: `"all", "structural", "momentum" or a non-empty list of feature names`,
      })
      .superRefine((v, ctx) => {
        if (typeof v === "string") return;
        v.forEach((name, i) => {
          if (!ENTRY_FEATURE_NAMES.includes(name)) ctx.addIssue({ code: "custom", path: [i], message: `unknown feature (known: ${ENTRY_FEATURE_NAMES.join(", ")})` });
          else if (v.indexOf(name) !== i) ctx.addIssue({ code: "custom", path: [i], message: "feature named twice" });
        });
      })
      .default("all")
      .describe(
        `Features the tree may split on: "all", a group ("structural": setup, candle, volatility, clock; "momentum": returns over ${MOMENTUM_LOOKBACKS.join("/")} bars, trend strength, ADX) or a list of names (${ENTRY_FEATURE_NAMES.join(", ")}).`,
      ),
    maxDepth: z.number().int().min(1).max(3).default(3).describe("Depth of the decision tree (at most 3, so its rules stay readable)."),
    minLeafSamples: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe("Fewest training trades a leaf may hold: a split leaving fewer on either side is not made (a leaf of 2 trades would claim p = 1.0)."),
    minSamples: z.number().int().min(1).default(40).describe("Fewer labelled training trades than this: no model is fitted (fail-safe NORMAL)."),
    minProbability: pct01
      .default(0.5)
      .describe("A call whose top class probability (its leaf's class count / leaf total) is below this answers ADD_NEUTRAL (the NORMAL template)."),
    maxAgeDays: z
      .number()
      .gt(0)
      .max(3650)
      .default(45)
      .describe("A model whose training data ended more than this many days before the decision is stale and answers ADD_NEUTRAL."),
    invert: z
      .boolean()
      .default(false)
      .describe("Signal-inversion check (SPEC section 4): swap what ADD_ALLOWED and NO_ADD map to, to test whether the model predicts backwards."),
    labels: regimeLabelsSchema.default(() => regimeLabelsSchema.parse({})).describe("Labels from the trade's path after entry."),
  })
  .strict();

/**
 * The config's keys as a file gives them (what the JSON Schema, the docs and `config set` read).
 * Parsing goes through `configSchemaWith`, which also migrates the legacy keys and checks each
 * strategy's params with that strategy's own schema.
 */
export function configObjectSchemaWith(extra: readonly StrategyDefinition<unknown, unknown>[] = []) {
  return z
    .object({
      session: sessionSchema.default(() => sessionSchema.parse({})).describe("Trading hours and the end-of-day flatten, shared by every intraday strategy."),
      strategies: strategiesSchemaWith(extra),
      strategy: legacyStrategySchema,
      risk: riskSchema.default(() => riskSchema.parse({})).describe("Risk gates: entries per day, open positions, daily loss halt, notional per position."),
      sizing: sizingSchema.default(() => sizingSchema.parse({})).describe("The sizing pipeline: mode, base risk, caps and each layer's settings (SPEC section 3)."),
      execution: executionSchema.default(() => executionSchema.parse({})).describe("How fills, friction and starting cash are simulated in backtests and on the local exchange."),
      trading: tradingSchema.default(() => tradingSchema.parse({})).describe("What the daemon trades on Alpaca, and the live-trading opt-in."),
      daemon: daemonSchema.default(() => daemonSchema.parse({})).describe("The paper-trading daemon: market-data feed, restarts, schedules, stream reconnects."),
      regime: regimeSchema.default(() => regimeSchema.parse({})).describe("The regime model (SPEC section 2): features, tree, fail-safes and labels."),
      data: dataSchema.default(() => dataSchema.parse({})).describe("Plausibility of bars: time range, market sessions, price range and jumps; a bar that fails is refused, counted and named."),
      notify: notifySchema.default(() => notifySchema.parse({})).describe("Alerts to a webhook (Slack, Discord, any JSON receiver) or Telegram: fills, exits, halts, errors, reconcile differences, the day's summary."),
    })
    .strict();
}

/** The config's keys for the shipped strategies (the JSON Schema and the docs are generated from it). */
export const configObjectSchema = configObjectSchemaWith();

/**
 * The config parser for a set of strategies besides the shipped ones (a user's `--strategy-file`):
 * legacy keys are rewritten first (src/config/legacy.ts), then every key is checked, then each
 * strategy instance's params by its own strategy's schema (defaults applied).
 */
export function configSchemaWith(extra: readonly StrategyDefinition<unknown, unknown>[] = []) {
  const object = extra.length === 0 ? configObjectSchema : configObjectSchemaWith(extra);
  return z.preprocess((raw) => migrateLegacyConfig(raw).raw, object.transform(withStrategyParams(extra)));
}

/** The config parser for the shipped strategies. */
export const configSchema = configSchemaWith();

export type Config = z.infer<typeof configSchema>;
export type { BearTrapParams as BearTrapConfig } from "../../strategies/bear-trap.ts";
export type { SessionConfig, StrategyInstanceConfig } from "./strategies-schema.ts";
export type RiskConfig = z.infer<typeof riskSchema>;
export type SizingConfig = z.infer<typeof sizingSchema>;
export type KellyConfig = z.infer<typeof kellySchema>;
export type ConfidenceConfig = z.infer<typeof confidenceSchema>;
export type VolatilityConfig = z.infer<typeof volatilitySchema>;
export type DrawdownConfig = z.infer<typeof drawdownSchema>;
export type EmergencyConfig = z.infer<typeof emergencySchema>;
export type TemplateConfig = z.infer<typeof templateSchema>;
export type RegimeTemplatesConfig = z.infer<typeof regimeTemplatesSchema>;
export type ExecutionConfig = z.infer<typeof executionSchema>;
export type DaemonConfig = z.infer<typeof daemonSchema>;
export type RegimeConfig = z.infer<typeof regimeSchema>;
export type RegimeLabelsConfig = z.infer<typeof regimeLabelsSchema>;
