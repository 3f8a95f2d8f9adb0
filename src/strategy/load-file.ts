import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { StrategyDefinition } from "../core/strategy.ts";

/** A strategy file that cannot be used: the message names the file and what is wrong or missing. */
export class StrategyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StrategyFileError";
  }
}

const TIMEFRAMES = ["1Min", "1Day"];
const HOLDINGS = ["intraday", "overnight"];

/**
 * Loads a user's strategy module (TypeScript or JavaScript, from anywhere on disk) through tsx, so
 * a .ts file needs no build step, and checks its export: `export default defineStrategy({...})`,
 * or a named `strategy` export, or the one export that is a definition. Every problem is a
 * StrategyFileError naming the file: not found, throws on import, no definition, a field missing
 * or of the wrong kind, or a built strategy without onBar / createState / exitPlan.
 */
export async function loadStrategyFile(path: string): Promise<StrategyDefinition<unknown, unknown>> {
  const file = resolve(path);
  if (!existsSync(file)) throw new StrategyFileError(`strategy file ${path} does not exist`);
  let mod: Record<string, unknown>;
  try {
    const { tsImport } = await import("tsx/esm/api");
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  } catch (e) {
    throw new StrategyFileError(`strategy file ${path} failed to load: ${(e as Error).message}`);
  }
  return checkDefinition(pickExport(mod, path), path);
}

function pickExport(mod: Record<string, unknown>, path: string): unknown {
  if (mod.default !== undefined) return mod.default;
  if (mod.strategy !== undefined) return mod.strategy;
  const candidates = Object.values(mod).filter((v) => v !== null && typeof v === "object" && typeof (v as { create?: unknown }).create === "function");
  if (candidates.length === 1) return candidates[0];
  throw new StrategyFileError(
    `strategy file ${path} exports no strategy: write \`export default defineStrategy({ id, description, params, timeframe, holding, indicators, create })\`${candidates.length > 1 ? ` (it has ${candidates.length} candidates; mark one as the default export)` : ""}`,
  );
}

/** The export as a StrategyDefinition, or a StrategyFileError listing everything missing. */
export function checkDefinition(value: unknown, path: string): StrategyDefinition<unknown, unknown> {
  if (value === null || typeof value !== "object") throw new StrategyFileError(`strategy file ${path}: its export is ${value === null ? "null" : typeof value}, not a strategy definition`);
  const d = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof d.id !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(d.id)) problems.push("id (a kebab-case string such as \"my-strategy\")");
  if (typeof d.description !== "string") problems.push("description (one line of text)");
  if (d.params === null || typeof d.params !== "object" || typeof (d.params as { parse?: unknown }).parse !== "function") problems.push("params (a zod object schema with defaults)");
  if (!TIMEFRAMES.includes(d.timeframe as string)) problems.push(`timeframe (${TIMEFRAMES.map((t) => `"${t}"`).join(" or ")})`);
  if (!HOLDINGS.includes(d.holding as string)) problems.push(`holding (${HOLDINGS.map((t) => `"${t}"`).join(" or ")})`);
  if (typeof d.indicators !== "function") problems.push("indicators(params) (the ATR and volume-average periods it reads)");
  if (typeof d.create !== "function") problems.push("create(params) (builds the strategy)");
  if (problems.length > 0) throw new StrategyFileError(`strategy file ${path}: the definition is missing or has a wrong ${problems.join(", ")}`);
  const def = value as StrategyDefinition<unknown, unknown>;
  // Build it once with the defaults: a strategy that cannot be built, or lacks its hooks, is refused now, not at the first bar.
  let built: unknown;
  try {
    built = def.create(def.params.parse({}));
  } catch (e) {
    throw new StrategyFileError(`strategy file ${path}: ${def.id}.create(defaults) failed: ${(e as Error).message}`);
  }
  const b = (built ?? {}) as Record<string, unknown>;
  const hooks = ["createState", "onBar", "exitPlan"].filter((k) => typeof b[k] !== "function");
  if (b.exitSignal !== undefined && typeof b.exitSignal !== "function") hooks.push("exitSignal (optional, but a function when given)");
  if (hooks.length > 0) throw new StrategyFileError(`strategy file ${path}: the strategy ${def.id}.create() builds has no ${hooks.join(", ")}`);
  return def;
}
