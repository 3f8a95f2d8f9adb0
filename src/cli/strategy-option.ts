import type { Command } from "commander";
import { ConfigError, parseConfig, resolveConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import type { StrategyDefinition } from "../core/strategy.ts";
import { findStrategy, unknownStrategyMessage } from "../../strategies/index.ts";
import { loadSizingLayers } from "../sizing/layers/index.ts";
import { loadStrategyFile } from "../strategy/load-file.ts";

/** `--strategy ID[,ID]` and `--strategy-file FILE.ts` (repeatable), on backtest, compare, walkforward and start. */
export interface StrategyCliOptions {
  strategy?: string;
  strategyFile?: string[];
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Adds the two options to a command. */
export function withStrategyOptions(cmd: Command): Command {
  return cmd
    .option("--strategy <ids>", "run these strategies (comma-separated ids, see `sizewise strategies`) instead of config.strategies; a configured instance of an id keeps its params and symbols")
    .option("--strategy-file <file>", "load a strategy of your own from a .ts/.js file (repeatable) and run it (with --strategy: alongside those ids)", collect);
}

/** The config a run uses and the strategies loaded from files (pass them to buildSlots as `extra`). */
export interface RunConfig {
  readonly config: Config;
  readonly strategies: readonly StrategyDefinition<unknown, unknown>[];
}

/**
 * The run's config: the files' strategies loaded first (so a config may name their ids), the
 * config resolved as usual (`--config`, else the home's config/local.json, else the defaults), then
 * `config.strategies` rewritten when --strategy or --strategy-file is given: the listed ids in
 * order (a configured instance of an id is kept as it is; a new one takes its defaults), then each
 * file's strategy unless already listed.
 */
export async function resolveRunConfig(configPath: string | undefined, home: string, o: StrategyCliOptions): Promise<RunConfig> {
  const strategies: StrategyDefinition<unknown, unknown>[] = [];
  for (const f of o.strategyFile ?? []) {
    const def = await loadStrategyFile(f);
    if (strategies.some((d) => d.id === def.id)) throw new ConfigError(`--strategy-file ${f}: another file already defines strategy "${def.id}"`, [f]);
    strategies.push(def);
  }
  const base = resolveConfig(configPath, home, { strategies });
  // The config's sizing layer files (paths in sizing.modes), loaded once so every sizer the run makes finds them.
  await loadSizingLayers(base.sizing);
  return { config: applyStrategyOptions(base, o, strategies), strategies };
}

/**
 * `config.strategies` as --strategy and --strategy-file rewrite it (see resolveRunConfig); the config
 * itself when neither is given. The daemon applies it again to every re-read of its config file, so
 * an edit is compared with the config in force, not with the file's own strategies.
 */
export function applyStrategyOptions(base: Config, o: StrategyCliOptions, strategies: readonly StrategyDefinition<unknown, unknown>[]): Config {
  const ids = o.strategy === undefined ? [] : o.strategy.split(",").map((s) => s.trim()).filter(Boolean);
  if (o.strategy !== undefined && ids.length === 0) throw new ConfigError("--strategy needs at least one id (see `sizewise strategies`)", ["--strategy"]);
  for (const id of ids) if (findStrategy(id, strategies) === undefined) throw new ConfigError(`--strategy: ${unknownStrategyMessage(id, strategies)}`, ["--strategy"]);
  if (ids.length === 0 && strategies.length === 0) return base;
  for (const d of strategies) if (!ids.includes(d.id)) ids.push(d.id);
  if (new Set(ids).size !== ids.length) throw new ConfigError(`--strategy names a strategy twice (${ids.join(", ")})`, ["--strategy"]);
  const list = ids.map((id) => base.strategies.find((s) => s.id === id) ?? { id });
  const raw = { ...(JSON.parse(JSON.stringify(base)) as Record<string, unknown>), strategies: JSON.parse(JSON.stringify(list)) as unknown };
  return parseConfig(raw, `config with --strategy ${ids.join(",")}`, { strategies });
}
