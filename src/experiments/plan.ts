import { readFileSync } from "node:fs";
import { z } from "zod";
import { configSchema, type Config } from "../config/schema.ts";
import { parseConfig } from "../config/load.ts";
import { describeZodIssues } from "../config/zod-issues.ts";
import { ALL_MODES } from "../backtest/compare.ts";
import { CRITERION_KEYS, type CriterionKey } from "../backtest/criteria.ts";
import type { SizingMode } from "../sizing/pipeline.ts";

/**
 * An experiment plan (like the ML improvement plan of ../shared/seeds/004): named variants that
 * override config keys, each run through the same walk-forward. A `grid` of keys x value lists
 * expands into one variant per combination (the robustness grid).
 */

/**
 * Fewer trades than this and a variant's out-of-sample figures are noise: at 20 trades the
 * standard error of a win rate is about 11 points. A variant with no trades would otherwise
 * rank first whenever the baseline loses (Sharpe 0 beats any negative Sharpe).
 */
export const DEFAULT_MIN_TRADES = 20;
/**
 * A variant beats the baseline only if it is both better risk-adjusted day by day (Sharpe) and
 * makes more per unit of risk it takes (P/L per trade in R): neither can be won by trading smaller
 * or less, and one alone can be a fluke of a few days.
 */
export const DEFAULT_BEATS: readonly CriterionKey[] = ["sharpe", "edgeR"];
const criterionEnum = z.enum(CRITERION_KEYS);
const modeEnum = z.enum(ALL_MODES as [SizingMode, ...SizingMode[]]);
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD");
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.,=+-]*$/, "letters, digits and _ . , = + - (no spaces)").max(200);
const dottedKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_][A-Za-z0-9_-]*)*$/, "a dotted config key such as strategy.stopAtrMultiple");
const overrides = z.record(dottedKey, z.unknown());

export const planSchema = z
  .object({
    name,
    description: z.string().optional(),
    baseline: name.optional().describe("The variant the others are measured against (default: the first)."),
    mode: modeEnum.default("fixed").describe("The sizing mode whose out-of-sample figures rank the variants."),
    modes: z.array(modeEnum).min(1).optional().describe("Modes each walk-forward runs (default: all six; fixed and `mode` are always run)."),
    minTrades: z
      .number()
      .int()
      .min(1)
      .default(DEFAULT_MIN_TRADES)
      .describe(`Out-of-sample trades (ranking mode) a variant needs to be ranked; fewer and it is listed as "not ranked: N trades < minTrades", and it cannot beat the baseline. Default ${DEFAULT_MIN_TRADES}.`),
    beats: z
      .array(criterionEnum)
      .min(1)
      .default(() => [...DEFAULT_BEATS])
      .describe(`Size-neutral criteria a variant must ALL improve by their margins to beat the baseline (${CRITERION_KEYS.join(", ")}). Default ${JSON.stringify(DEFAULT_BEATS)}.`),
    beatMargins: z
      .partialRecord(criterionEnum, z.number().min(0))
      .optional()
      .describe("Per criterion, the improvement (in its own unit: Sharpe points, R) that counts as better; default sharpe 0.25, edgeR 0.05, netR 1, pnlStdR 0.1, worst10R 0.5."),
    walkforward: z
      .object({
        trainDays: z.number().int().min(1).optional(),
        testDays: z.number().int().min(1).optional(),
        purgeDays: z.number().int().min(0).optional(),
        holdoutFrom: isoDay.optional(),
        learning: z.enum(["frozen", "online"]).optional(),
      })
      .strict()
      .optional(),
    overrides: overrides.optional().describe("Applied to every variant before its own overrides."),
    variants: z
      .array(z.object({ name, description: z.string().optional(), overrides: overrides.default(() => ({})) }).strict())
      .default(() => []),
    grid: z
      .record(dottedKey, z.array(z.unknown()).min(1).max(100))
      .optional()
      .describe("Keys x value lists: one variant per combination, named key=value,..."),
  })
  .strict();

export type Plan = z.infer<typeof planSchema>;

export interface Variant {
  readonly name: string;
  readonly description?: string;
  /** Every override the variant applies (the plan's common ones first), by dotted key. */
  readonly overrides: Readonly<Record<string, unknown>>;
}

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

export function loadPlan(path: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new PlanError(`cannot read plan ${path}: ${(e as Error).message}`);
  }
  return parsePlan(raw, path);
}

export function parsePlan(raw: unknown, where = "plan"): Plan {
  const r = planSchema.safeParse(raw);
  if (!r.success) throw new PlanError(`${where} is invalid: ${describeZodIssues(r.error)}`);
  return r.data;
}

const show = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** The grid's combinations in key order (the last key varies fastest), named by the keys' last parts. */
export function expandGrid(grid: Readonly<Record<string, readonly unknown[]>>): Variant[] {
  const keys = Object.keys(grid);
  if (keys.length === 0) return [];
  const last = keys.map((k) => k.slice(k.lastIndexOf(".") + 1));
  const label = keys.map((k, i) => (last.filter((x) => x === last[i]).length > 1 ? k : last[i]));
  let combos: Record<string, unknown>[] = [{}];
  for (const k of keys) combos = combos.flatMap((c) => grid[k].map((v) => ({ ...c, [k]: v })));
  return combos.map((c) => ({ name: keys.map((k, i) => `${label[i]}=${show(c[k])}`).join(","), overrides: c }));
}

/** Every variant of a plan: the listed ones, then the grid's; names must be unique and the baseline must exist. */
export function planVariants(plan: Plan): Variant[] {
  const common = plan.overrides ?? {};
  const variants: Variant[] = [
    ...plan.variants.map((v) => ({ name: v.name, description: v.description, overrides: { ...common, ...v.overrides } })),
    ...expandGrid(plan.grid ?? {}).map((v) => ({ ...v, overrides: { ...common, ...v.overrides } })),
  ];
  if (variants.length === 0) throw new PlanError(`plan ${plan.name} has no variants (give "variants" or a "grid")`);
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.name)) throw new PlanError(`plan ${plan.name}: two variants are named "${v.name}"`);
    seen.add(v.name);
  }
  if (plan.baseline !== undefined && !seen.has(plan.baseline)) {
    throw new PlanError(`plan ${plan.name}: baseline "${plan.baseline}" is not one of its variants (${[...seen].slice(0, 5).join(", ")}${seen.size > 5 ? ", ..." : ""})`);
  }
  return variants;
}

/**
 * Where an override key lands in a config: its own parts, except a legacy `strategy.X`, which is
 * the first bear-trap instance's `params.X` (src/config/legacy.ts: flattenAt and regularHoursOnly
 * are session settings now). `shown(i)` is the override's own key up to part i, for messages.
 */
function overridePath(base: Record<string, unknown>, key: string): { parts: string[]; shown: (i: number) => string } {
  const own = key.split(".");
  const shown = (i: number): string => own.slice(0, i + 1).join(".");
  if (own[0] !== "strategy" || own.length < 2) return { parts: own, shown };
  if (own.length === 2 && (own[1] === "flattenAt" || own[1] === "regularHoursOnly")) return { parts: own, shown };
  const list = Array.isArray(base.strategies) ? (base.strategies as { id?: unknown }[]) : [];
  const at = list.findIndex((s) => s !== null && typeof s === "object" && s.id === "bear-trap");
  if (at < 0) return { parts: own, shown };
  // strategies.N.params.<rest>: part i (i >= 3) is the override's part i - 2.
  return { parts: ["strategies", String(at), "params", ...own.slice(1)], shown: (i) => shown(Math.max(0, i - 2)) };
}

/** Sets `value` at a path of a plain-JSON object (list items by index), creating missing objects; throws when the path runs through a value. */
function setPath(root: Record<string, unknown>, path: { parts: string[]; shown: (i: number) => string }, value: unknown): void {
  const { parts } = path;
  let o = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = o[parts[i]];
    if (next === undefined) o[parts[i]] = {};
    else if (next === null || typeof next !== "object" || (Array.isArray(next) && !/^\d+$/.test(parts[i + 1]))) throw new Error(`${path.shown(i)} is not an object`);
    o = o[parts[i]] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]] = value;
}

/**
 * The variant's config: its overrides on top of `base`, validated by the config schema. Every
 * problem names the variant and the override key it comes from.
 */
export function variantConfig(base: Config, v: Variant): Config {
  const raw = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  const problems: string[] = [];
  const landed = new Map<string, string>();
  for (const [key, value] of Object.entries(v.overrides)) {
    try {
      const path = overridePath(raw, key);
      landed.set(path.parts.join("."), key);
      setPath(raw, path, value);
    } catch (e) {
      problems.push(`override "${key}": ${(e as Error).message}`);
    }
  }
  if (problems.length === 0) {
    const r = configSchema.safeParse(raw);
    if (r.success) return parseConfig(raw, `variant "${v.name}"`);
    for (const issue of r.error.issues) problems.push(describeIssue(issue, landed, raw));
  }
  throw new PlanError(`variant "${v.name}": ${problems.join("; ")}`);
}

/** An issue as a plan author reads it: the override key that caused it (`landed`: where each override was set -> its key). */
function describeIssue(issue: z.core.$ZodIssue, landed: ReadonlyMap<string, string>, raw: unknown): string {
  const at = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `override "${at ? `${at}.${k}` : k}": unknown config key`).join("; ");
  const hit = [...landed.keys()].find((k) => at === k || at.startsWith(`${k}.`) || k.startsWith(`${at}.`));
  const key = hit === undefined ? undefined : landed.get(hit);
  if (key !== undefined && at === hit && issue.message.startsWith("unknown key")) return `override "${key}": unknown config key`;
  // The path as the override wrote it (strategy.X, not strategies.0.params.X).
  const path = key !== undefined && hit !== undefined && at.startsWith(hit) ? `${key}${at.slice(hit.length)}` : at;
  const given = issue.path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[String(k)] : undefined), raw);
  return `${key ? `override "${key}"` : "config"}: ${path || "(root)"}: ${issue.message}${given === undefined || typeof given === "object" ? "" : ` (got ${JSON.stringify(given)})`}`;
}

/** Validates every variant up front (a bad key fails the plan before anything runs) and returns their configs. */
export function planConfigs(base: Config, variants: readonly Variant[], where: string): Config[] {
  const out: Config[] = [];
  const problems: string[] = [];
  for (const v of variants) {
    try {
      out.push(variantConfig(base, v));
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length > 0) throw new PlanError(`${where}: ${problems.length} variant(s) invalid:\n  ${problems.join("\n  ")}`);
  return out;
}
