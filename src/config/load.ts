import { existsSync, readFileSync } from "node:fs";
import { configSchema, type Config } from "./schema.ts";

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

/** Parses and freezes a config object; throws ConfigError naming every bad key. */
export function parseConfig(raw: unknown, where = "config"): Config {
  raw = withoutSchemaRef(raw);
  const r = configSchema.safeParse(raw ?? {});
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const key = i.path.join(".") || "(root)";
      const given = i.path.reduce<unknown>(
        (o, k) => (o && typeof o === "object" ? (o as Record<string | number, unknown>)[k as string] : undefined),
        raw,
      );
      return `${key}: ${i.message}${given === undefined ? "" : ` (got ${JSON.stringify(given)})`}`;
    });
    throw new ConfigError(`${where} is invalid:\n  ${issues.join("\n  ")}`, issues);
  }
  return deepFreeze(r.data);
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
export function loadConfigFile(path: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read config ${path}: ${(e as Error).message}`, [path]);
  }
  return parseConfig(raw, path);
}

/** The config a command runs with: `--config FILE`, else config/local.json when present, else the defaults. */
export function resolveConfig(path?: string, cwd = process.cwd()): Config {
  if (path) return loadConfigFile(path);
  const local = `${cwd}/config/local.json`;
  if (existsSync(local)) return loadConfigFile(local);
  return defaultConfig();
}
