import { existsSync, readFileSync, statSync } from "node:fs";
import { configSchemaWith, type Config } from "./schema.ts";
import { migrateLegacyConfig, qualifiedGuess, writtenKey, type LegacyWarning } from "./legacy.ts";
import type { StrategyDefinition } from "../core/strategy.ts";

/** A config problem, with the dotted key, the value given and what is allowed. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** How parseConfig is told about strategies beyond the shipped ones, and where its warnings go. */
export interface ParseConfigOptions {
  /** Strategies from --strategy-file: their ids are known and their params checked by their own schemas. */
  readonly strategies?: readonly StrategyDefinition<unknown, unknown>[];
  /** Receives each legacy-key warning (default: standard error, each kind once per process). */
  readonly onWarning?: (message: string, where: string) => void;
}

const warned = new Set<string>();

/** The default warning sink: a legacy key is reported once per process, not once per parse (plans parse many configs). */
function warnOnce(w: LegacyWarning, where: string, sink: ParseConfigOptions["onWarning"]): void {
  if (sink) return sink(w.message, where);
  if (warned.has(w.kind)) return;
  warned.add(w.kind);
  process.stderr.write(`sizewise: warning: ${where}: ${w.message}\n`);
}

/** Parses and freezes a config object; throws ConfigError naming every bad key. Legacy keys are rewritten with a warning. */
export function parseConfig(raw: unknown, where = "config", opts: ParseConfigOptions = {}): Config {
  const original = withoutSchemaRef(raw) ?? {};
  const migrated = migrateLegacyConfig(original);
  raw = migrated.raw;
  const r = configSchemaWith(opts.strategies ?? []).safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const key = writtenKey(i.path, original) || "(root)";
      const given = i.path.reduce<unknown>(
        (o, k) => (o && typeof o === "object" ? (o as Record<string | number, unknown>)[k as string] : undefined),
        raw,
      );
      // An unknown key's issue sits on the object holding it: the message names the keys already.
      const shown = given === undefined || i.code === "unrecognized_keys" ? "" : ` (got ${showValue(given)})`;
      return `${key}: ${qualifiedGuess(i.message, key)}${shown}`;
    });
    throw new ConfigError(`${where} is invalid:\n  ${issues.join("\n  ")}`, issues);
  }
  for (const w of migrated.warnings) warnOnce(w, where, opts.onWarning);
  return deepFreeze(r.data as Config);
}

/** A bad value as an error message shows it: bounded, whatever was given (a huge string, a 100k-deep array). */
export function showValue(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    return "a value nested too deeply to show";
  }
  if (s === undefined) return String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Past this a file is no config (the defaults are a few KB): refused before it is read. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** A config file's text (a leading BOM dropped); ConfigError naming the file when it cannot be read or is too big to be a config. */
export function readConfigText(path: string): string {
  try {
    const size = statSync(path).size;
    if (size > MAX_CONFIG_BYTES) throw new ConfigError(`config ${path} is ${size} bytes: a config file is a few KB, and files over ${MAX_CONFIG_BYTES} bytes are refused`, [path]);
    return readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`, [path]);
  }
}

/** A config file may name its JSON Schema (`"$schema": "./schema.json"`) for editors; it is not a setting. */
export function withoutSchemaRef(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw) || !Object.hasOwn(raw, "$schema")) return raw;
  const { $schema: _ref, ...rest } = raw as Record<string, unknown>;
  return rest;
}

export function defaultConfig(): Config {
  return parseConfig({});
}

/** Reads a JSON config file (overrides on top of the defaults). */
export function loadConfigFile(path: string, opts: ParseConfigOptions = {}): Config {
  const text = readConfigText(path);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`, [path]);
  }
  return parseConfig(raw, path, opts);
}

/**
 * The config a command runs with: `--config FILE`, else `<home>/config/local.json` when present,
 * else the defaults. The CLI passes its home folder (see src/cli/home.ts).
 */
export function resolveConfig(path?: string, home = process.cwd(), opts: ParseConfigOptions = {}): Config {
  if (path) return loadConfigFile(path, opts);
  const local = `${home}/config/local.json`;
  if (existsSync(local)) return loadConfigFile(local, opts);
  return parseConfig({}, "config", opts);
}
