import { existsSync } from "node:fs";
import type { Command } from "commander";
import { ConfigError, defaultConfig, parseConfig } from "../config/load.ts";
import type { Config } from "../config/schema.ts";
import { documentedKeys, keysMarkdown, schemaAt, strategyParamKey } from "../config/json-schema.ts";
import {
  assertValid,
  checkKey,
  configChanges,
  configProblems,
  flatten,
  formatProblem,
  getKey,
  parseValue,
  readUserFile,
  userConfigPath,
  withKey,
  writeUserFile,
} from "../config/user-file.ts";
import { homeDir, homeSource } from "./home.ts";
import type { StrategyDefinition } from "../core/strategy.ts";
import { loadStrategyFile } from "../strategy/load-file.ts";

interface FileOption {
  config?: string;
}

const CONFIG_HELP = "the user config file (default: config/local.json)";

/** `sizewise config show|get|set|unset|validate`: read, change and check the config, key by key. */
export function registerConfig(program: Command): void {
  const config = program
    .command("config")
    .description("Show, read, change and validate the config: defaults (config/default.json) overridden by config/local.json or --config FILE.")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise config show --explain
  $ npx sizewise config set sizing.mode kelly
  $ npx sizewise config get sizing.mode
  $ npx sizewise config validate config/local.json

A running daemon (sizewise start) picks up a changed sizing.mode at its next decision.`,
    );
  config
    .command("show")
    .description("Print the effective config (defaults plus your overrides); overrides are marked.")
    .option("--config <file>", CONFIG_HELP)
    .option("--json", "print the effective config as JSON")
    .option("--explain", "every key with its value, what it does and what is allowed")
    .option("--md", "with --explain: a Markdown table (for docs)")
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise config show
  $ npx sizewise config show --explain
  $ npx sizewise config show --json > effective.json`,
    )
    .action((o: FileOption & { json?: boolean; explain?: boolean; md?: boolean }) => showCommand(o));
  config
    .command("get")
    .description("Print the effective value of one key (JSON).")
    .argument("<key>", "dotted key, e.g. sizing.mode or sizing.kelly.fraction")
    .option("--config <file>", CONFIG_HELP)
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise config get sizing.mode
  $ npx sizewise config get sizing.templates.normal`,
    )
    .action((key: string, o: FileOption) => {
      const { config: c } = effective(o);
      const hit = presentKey(c, key);
      const value = hit ? hit.value : getKey(c, key);
      // A valid key with nothing there (an index past the end of a list): no JSON to print, so say so and fail.
      if (value === undefined) throw new ConfigError(`${key}: nothing there in the effective config (an index past the end of its list?)`, [key]);
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    });
  config
    .command("set")
    .description("Set one key in the user config file, validated first (VALUE is JSON when it parses, else text).")
    .argument("<key>", "dotted key, e.g. sizing.mode")
    .argument("<value>", 'new value: kelly, 0.5, true, \'["AMC","GME"]\'')
    .option("--config <file>", CONFIG_HELP)
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise config set sizing.mode kelly
  $ npx sizewise config set strategies.0.params.minDayChangePct -10
  $ npx sizewise config set trading.symbols '["AMC","GME"]'
  $ npx sizewise config set sizing.templates.aggressive.initialFraction 1.0`,
    )
    .action((key: string, value: string, o: FileOption) => setCommand(key, parseValue(value), o));
  config
    .command("unset")
    .description("Remove one override from the user config file (the key goes back to its default).")
    .argument("<key>", "dotted key, e.g. sizing.mode")
    .option("--config <file>", CONFIG_HELP)
    .addHelpText(
      "after",
      `
Example:
  $ npx sizewise config unset sizing.mode`,
    )
    .action((key: string, o: FileOption) => setCommand(key, undefined, o));
  config
    .command("validate")
    .description("Check a config file: every bad key is named with its value and what is allowed; exits 1 when invalid.")
    .argument("[file]", "config file (default: config/local.json)")
    .option("--strategy-file <file>", "a strategy of your own the config names (its params are checked by its schema; repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise config validate config/local.json
  $ npx sizewise config validate my-experiment.json
  $ npx sizewise config validate mine.json --strategy-file examples/strategies/dip-reclaim.ts`,
    )
    .action(async (file: string | undefined, o: { strategyFile?: string[] }) => {
      const strategies = [];
      for (const f of o.strategyFile ?? []) strategies.push(await loadStrategyFile(f));
      validateCommand(userConfigPath(file, homeDir()), strategies);
    });
}

/**
 * The effective config and where its overrides came from. Valid overrides are parsed once; only
 * invalid ones pay for assertValid's fuller report (every key, its value, what is allowed).
 */
function effective(o: FileOption): { config: Config; file: string; raw: Record<string, unknown> } {
  const file = userConfigPath(o.config, homeDir());
  if (o.config && !existsSync(file)) throw new ConfigError(`config file ${o.config} does not exist`, [file]);
  const raw = readUserFile(file);
  try {
    return { config: parseConfig(raw, file), file, raw };
  } catch (e) {
    assertValid(raw, file);
    throw e;
  }
}

/**
 * `key`'s value when the effective config holds it, else undefined (then getKey checks the key and
 * names the nearest one, or answers an optional key that is unset). The effective config holds
 * nothing the schema does not (zod keeps known keys only), so a key found in it is a key; and this
 * skips generating the JSON Schema, the slowest part of a `config get`.
 */
function presentKey(config: Config, key: string): { value: unknown } | undefined {
  let node: unknown = config;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    // A list's members by index only (not "length"); an object's own keys only (not "toString").
    if (Array.isArray(node) ? !/^\d+$/.test(part) : !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<string, unknown>)[part];
    if (node === undefined) return undefined;
  }
  return { value: node };
}

const show = (v: unknown): string => JSON.stringify(v) ?? "(unset)";

function showCommand(o: FileOption & { json?: boolean; explain?: boolean; md?: boolean }): void {
  const { config, file } = effective(o);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return;
  }
  const defaults = defaultConfig();
  const changed = new Map(configChanges(defaults, config).map((c) => [c.key, c]));
  const source = existsSync(file) ? `defaults + ${file} (${changed.size} override${changed.size === 1 ? "" : "s"})` : "defaults (no user file)";
  if (o.explain) {
    process.stdout.write(o.md ? keysMarkdown((k) => getKey(config, k)) : `# config: ${source}\n${explainText(config, changed)}`);
    return;
  }
  const lines = [`# config: ${source}; * = overridden`];
  for (const [key, value] of flatten(config)) {
    const over = [...changed.keys()].some((k) => k === key || k.startsWith(`${key}.`));
    lines.push(`${over ? "*" : " "} ${key} = ${show(value)}${over ? `   (default ${show(getKey(defaults, key))})` : ""}`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function explainText(config: Config, changed: ReadonlyMap<string, unknown>): string {
  const out: string[] = [];
  for (const d of documentedKeys()) {
    const value = getKey(config, d.key);
    // A strategy's param (strategies[<id>].params.X) is overridden when it differs from that strategy's default.
    const over = strategyParamKey(d.key) !== null ? show(value) !== show(d.default) : [...changed.keys()].some((k) => k === d.key || k.startsWith(`${d.key}.`));
    out.push(`${d.key} = ${show(value)}${over ? `   (overridden; default ${show(d.default)})` : ""}`);
    if (d.description) out.push(`    ${d.description}`);
    out.push(`    allowed: ${d.allowed}`);
  }
  return `${out.join("\n")}\n`;
}

function setCommand(asked: string, value: ReturnType<typeof parseValue> | undefined, o: FileOption): void {
  const file = userConfigPath(o.config, homeDir());
  const raw = readUserFile(file);
  const before = parseConfig(raw, file);
  const key = newFormKey(asked, raw, before);
  if (key !== asked) process.stderr.write(`${asked} is the old name of ${key}; writing that\n`);
  checkKey(key);
  const next = withKey(raw, key, value, before);
  const problems = configProblems(next);
  if (problems.length > 0) {
    const node = schemaAt(key);
    const lines = problems.map(formatProblem);
    if (node?.description && problems.every((p) => p.key === key)) lines.push(`(${key}: ${node.description})`);
    throw new ConfigError(`not written: ${key} = ${show(value)} is not allowed:\n  ${lines.join("\n  ")}`, lines);
  }
  writeUserFile(file, next);
  const now = getKey(parseConfig(next, file), key);
  const was = getKey(before, key);
  // Absolute, and which home it belongs to: the daemon of that home reads this file.
  const where = o.config ? file : `${file} (home: ${homeSource()})`;
  process.stdout.write(value === undefined ? `${key}: back to its default ${show(now)} (was ${show(was)}) in ${where}\n` : `${key}: ${show(was)} -> ${show(now)} in ${where}\n`);
  if (key === "sizing.mode") process.stdout.write("a running daemon switches at its next sizing decision\n");
}

/**
 * `strategy.X` (the legacy Bear Trap section) as the key it now is, `strategies.N.params.X` of the
 * first bear-trap instance, unless the file still has its legacy section (then it is edited there).
 */
function newFormKey(key: string, raw: Record<string, unknown>, config: Config): string {
  if (!key.startsWith("strategy.") || Object.hasOwn(raw, "strategy")) return key;
  const at = config.strategies.findIndex((s) => s.id === "bear-trap");
  return at < 0 ? key : `strategies.${at}.params.${key.slice("strategy.".length)}`;
}

function validateCommand(file: string, strategies: readonly StrategyDefinition<unknown, unknown>[] = []): void {
  if (!existsSync(file)) throw new ConfigError(`${file} does not exist`, [file]);
  const raw = readUserFile(file);
  const problems = configProblems(raw, strategies);
  if (problems.length > 0) {
    const lines = problems.map(formatProblem);
    throw new ConfigError(`${file} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${lines.join("\n  ")}`, lines);
  }
  const overrides = configChanges(defaultConfig(), parseConfig(raw, file, { strategies }));
  process.stdout.write(
    `${file} is valid: ${overrides.length === 0 ? "no overrides (the defaults)" : `${overrides.length} override${overrides.length === 1 ? "" : "s"}: ${overrides.map((c) => `${c.key} = ${show(c.to)}`).join(", ")}`}\n`,
  );
}
