import { z } from "zod";
import type { StrategyDefinition } from "../core/strategy.ts";
import { findStrategy, unknownStrategyMessage } from "../../strategies/index.ts";
import { nearest } from "./json-schema.ts";

/**
 * The `session` and `strategies` sections: which strategies run, on which symbols, with which
 * share of the account; and the trading hours every intraday strategy shares.
 */

/** Trading hours and the end-of-day flatten: the account's, not one strategy's. */
export const sessionSchema = z
  .object({
    regularHoursOnly: z.boolean().default(true).describe("Ignore pre/post-market bars for indicators and signals."),
    flattenMinutesBeforeClose: z
      .number()
      .int()
      .min(1)
      .max(240)
      .default(5)
      .describe(
        "Intraday positions are flattened, and intraday entries end, this many minutes before the session's close (15:55 on a full day, 12:55 on a half day). Replaces strategy.flattenAt and daemon.flattenMinutesBeforeClose.",
      ),
  })
  .strict();

export const slotRiskSchema = z
  .object({
    maxOpenPositions: z.number().int().min(0).nullable().default(null).describe("Open positions this strategy may hold at once (null: only the account's risk.maxOpenPositions)."),
    dailyLossLimitPct: z
      .number()
      .min(0)
      .max(100)
      .nullable()
      .default(null)
      .describe("Halt this strategy's entries for the day once its realised loss reaches this % of start-of-day equity (null: only the account's limit)."),
  })
  .strict();

const ticker = z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, "an upper-case ticker");

/** One configured strategy instance as a file gives it; `params` are checked by the strategy's own schema after. */
export const strategyInstanceSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a strategy id (kebab-case, e.g. bear-trap)").describe("The strategy's id (`sizewise strategies` lists them)."),
    params: z
      .record(z.string(), z.unknown())
      .default(() => ({}))
      .describe("The strategy's parameters (its own schema: `sizewise strategies` and the strategies[...].params keys below list them); missing ones take their defaults."),
    symbols: z
      .array(ticker)
      .default(() => [])
      .describe(
        "Symbols this strategy trades. Empty: every symbol of the data (or trading.symbols), allowed for a single strategy only; with several each names its own, and a symbol in two strategies is refused (Alpaca nets one symbol into one position per account).",
      ),
    allocation: z
      .number()
      .gt(0)
      .max(1)
      .nullable()
      .default(null)
      .describe("Fraction of account equity this strategy may use (null: an equal share of what the strategies with a set allocation leave)."),
    risk: slotRiskSchema.default(() => slotRiskSchema.parse({})).describe("This strategy's own limits, on top of the account's risk section."),
  })
  .strict();

/**
 * The `strategies` list (the Bear Trap alone by default) for the shipped strategies and `extra`:
 * each instance's id must name one of them and its params must pass that strategy's schema. The
 * check is a refinement of each instance, so its problems are listed with every other key's.
 */
export function strategiesSchemaWith(extra: readonly StrategyDefinition<unknown, unknown>[]) {
  return z
    .array(strategyInstanceSchema.superRefine((inst, ctx) => checkInstance(inst, ctx, extra)))
    .min(1)
    .max(20)
    .default(() => [strategyInstanceSchema.parse({ id: "bear-trap" })])
    .describe("The strategies the account runs, each on its own symbols with its share of the account (default: the Bear Trap alone).");
}

function checkInstance(inst: z.infer<typeof strategyInstanceSchema>, ctx: z.core.$RefinementCtx, extra: readonly StrategyDefinition<unknown, unknown>[]): void {
  const def = findStrategy(inst.id, extra);
  if (def === undefined) {
    ctx.addIssue({ code: "custom", path: ["id"], message: unknownStrategyMessage(inst.id, extra), input: inst.id });
    return;
  }
  try {
    def.params.parse(inst.params);
  } catch (e) {
    for (const issue of paramIssues(e, paramKeys(def))) ctx.addIssue({ code: "custom", path: ["params", ...issue.path], message: issue.message, input: inst.params });
  }
}

/** The parameter names of a zod object schema (for "did you mean"); empty for any other schema. */
function paramKeys(def: StrategyDefinition<unknown, unknown>): string[] {
  const shape = (def.params as { shape?: unknown }).shape;
  return shape !== null && typeof shape === "object" ? Object.keys(shape) : [];
}

export type SessionConfig = z.infer<typeof sessionSchema>;

/** A strategy instance after parsing: params are the strategy's own, defaults applied (read them with strategyParams). */
export interface StrategyInstanceConfig extends Omit<z.infer<typeof strategyInstanceSchema>, "params"> {
  readonly params: Readonly<Record<string, unknown>>;
}

interface ParamIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** A params schema's failure as issues: zod's own (an unknown key named by itself), or the thrown message of any other schema. */
function paramIssues(e: unknown, known: readonly string[]): ParamIssue[] {
  const issues = (e as { issues?: unknown }).issues;
  if (Array.isArray(issues) && issues.length > 0) {
    return issues.flatMap((i: { code?: string; keys?: string[]; path?: PropertyKey[]; message?: string }) => {
      if (i.code === "unrecognized_keys" && Array.isArray(i.keys)) {
        return i.keys.map((k) => {
          const guess = nearest(k, known);
          return { path: [...(i.path ?? []), k], message: `unknown key${guess ? ` (did you mean ${guess}?)` : ""}` };
        });
      }
      return [{ path: i.path ?? [], message: i.message ?? "invalid" }];
    });
  }
  return [{ path: [], message: e instanceof Error ? e.message : String(e) }];
}

/**
 * The transform after every check passed: each instance's params parsed by its strategy's schema
 * (defaults applied), and the legacy section dropped (it was folded into `strategies` before the
 * checks; src/config/legacy.ts). A legacy section still here had no bear-trap instance to go to.
 */
export function withStrategyParams(extra: readonly StrategyDefinition<unknown, unknown>[]) {
  return <C extends { strategies: z.infer<typeof strategyInstanceSchema>[]; strategy?: unknown }>(
    cfg: C,
    ctx: z.core.$RefinementCtx<C>,
  ): Omit<C, "strategies" | "strategy"> & { strategies: readonly StrategyInstanceConfig[] } => {
    if (cfg.strategy !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["strategy"],
        message: 'the legacy "strategy" section sets the first bear-trap strategy\'s params, and "strategies" has no bear-trap: move these keys into a strategy\'s "params"',
        input: cfg.strategy,
      });
    }
    const strategies: StrategyInstanceConfig[] = cfg.strategies.map((inst) => {
      const def = findStrategy(inst.id, extra);
      return def === undefined ? inst : { ...inst, params: def.params.parse(inst.params) as Readonly<Record<string, unknown>> };
    });
    const { strategy: _legacy, strategies: _raw, ...rest } = cfg;
    return { ...rest, strategies };
  };
}

/** The legacy `strategy` key, accepted so old files and `strategy.X` overrides still load (rewritten before it is read). */
export const legacyStrategySchema = z
  .record(z.string(), z.unknown())
  .optional()
  .describe("Legacy: the Bear Trap's settings before `strategies` existed. Still read (as the first bear-trap instance's params, with a warning); write strategies[...].params instead.");
