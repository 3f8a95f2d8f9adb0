import { projectDir } from "../io/project-dir.ts";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { writeFileAtomicSync } from "../io/atomic-file.ts";
import { ConfigError, withoutSchemaRef } from "./load.ts";
import { configSchemaWith, type Config } from "./schema.ts";
import { migrateLegacyConfig, qualifiedGuess, writtenKey } from "./legacy.ts";
import type { StrategyDefinition } from "../core/strategy.ts";
import { allowedText, childKeys, configJsonSchema, isOpenContainer, nearest, schemaAt, strategyParamKey, type JsonSchemaNode } from "./json-schema.ts";
import { findStrategy, unknownStrategyMessage } from "../../strategies/index.ts";

/**
 * The user's config file (config/local.json or --config FILE): only the keys that differ from the
 * defaults. `config get/set/validate` read and write it here; every write is validated as a whole
 * config first, so a bad value never reaches the file.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/**
 * The file a command reads overrides from: --config FILE (against the current directory, as typed),
 * else config/local.json in the home folder (the CLI passes it; the project folder by default).
 */
export function userConfigPath(explicit?: string, home = process.cwd()): string {
  return explicit ? resolve(explicit) : resolve(home, "config/local.json");
}

/** The file's overrides (empty when it does not exist); throws ConfigError naming the line of a JSON syntax error. */
export function readUserFile(path: string): JsonObject {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path} is not valid JSON: ${jsonErrorWhere(text, (e as Error).message)}`, [path]);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(`${path} must hold one JSON object ({ "sizing": { ... } })`, [path]);
  return raw as JsonObject;
}

/** "Unexpected token } in JSON at position 41" -> "... (line 3, column 5)". */
function jsonErrorWhere(text: string, message: string): string {
  const m = /position (\d+)/.exec(message);
  if (!m) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  return `${message} (line ${line}, column ${before.length - before.lastIndexOf("\n")})`;
}

/** One problem with a config: the key, the value given, what went wrong and what is allowed. */
export interface ConfigProblem {
  readonly key: string;
  readonly given: unknown;
  readonly message: string;
  readonly allowed: string;
}

/** Validates raw overrides; an empty list means the config is good. */
export function configProblems(raw: unknown, strategies: readonly StrategyDefinition<unknown, unknown>[] = []): ConfigProblem[] {
  const original = withoutSchemaRef(raw) ?? {};
  raw = migrateLegacyConfig(original).raw;
  const r = configSchemaWith(strategies).safeParse(raw);
  if (r.success) return [];
  const problems: ConfigProblem[] = [];
  for (const issue of r.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys") {
      const parent = schemaAt(path.join("."), configJsonSchema()) ?? configJsonSchema();
      const known = childKeys(parent);
      for (const k of issue.keys) {
        const key = [...path, k].join(".");
        const guess = nearest(k, known);
        problems.push({
          key,
          given: valueAt(raw, [...path, k]),
          message: `unknown key${guess ? ` (did you mean ${[...path, guess].join(".")}?)` : ""}`,
          allowed: `keys here: ${known.join(", ")}`,
        });
      }
      continue;
    }
    const key = writtenKey(path, original) || "(root)";
    const node = path.length > 0 ? schemaAt(path.join(".")) : null;
    const generic = node !== null && node.description === undefined && node.type === undefined;
    problems.push({ key, given: valueAt(raw, path), message: qualifiedGuess(issue.message, key), allowed: node && !generic ? allowedText(node) : "" });
  }
  return problems;
}

/** "sizing.mode: Invalid option ... (got "kely"); allowed: one of "fixed", ...". */
export function formatProblem(p: ConfigProblem): string {
  const got = p.given === undefined ? "" : ` (got ${JSON.stringify(p.given)})`;
  return `${p.key}: ${p.message}${got}${p.allowed ? `; allowed: ${p.allowed}` : ""}`;
}

/** Throws a ConfigError listing every problem (key, value, allowed) unless the overrides are valid. */
export function assertValid(raw: unknown, where: string): void {
  const problems = configProblems(raw);
  if (problems.length === 0) return;
  const lines = problems.map(formatProblem);
  throw new ConfigError(`${where} is invalid:\n  ${lines.join("\n  ")}`, lines);
}

function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let o = root;
  for (const k of path) {
    if (o === null || typeof o !== "object") return undefined;
    o = (o as Record<string, unknown>)[String(k)];
  }
  return o;
}

/** Throws unless `key` names a config key (or a member of a list or record), suggesting the nearest one. */
export function checkKey(key: string): JsonSchemaNode {
  const parts = key.split(".");
  let node: JsonSchemaNode | null = configJsonSchema();
  for (let i = 0; i < parts.length; i++) {
    const next = schemaAt(parts[i], node);
    if (next === null || parts[i] === "$schema") {
      const here = parts.slice(0, i);
      const known = childKeys(node);
      const guess = nearest(parts[i], known);
      const hint = guess ? ` (did you mean ${[...here, guess].join(".")}?)` : "";
      throw new ConfigError(`${key}: unknown key${hint}; keys ${here.length ? `under ${here.join(".")}` : "at the top level"}: ${known.join(", ") || "(none)"}`, [key]);
    }
    node = next;
  }
  return node;
}

/** The value of a dotted key in a config (the effective one, defaults included). */
export function getKey(config: Config, key: string): unknown {
  const param = strategyParamKey(key);
  if (param !== null) {
    // strategies[<id>].params.X: the first instance of that strategy, else its default.
    const def = findStrategy(param.id);
    if (def === undefined) throw new ConfigError(`${key}: ${unknownStrategyMessage(param.id)}`, [key]);
    const inst = config.strategies.find((s) => s.id === param.id);
    const value = valueAt(inst ? inst.params : def.params.parse({}), param.path);
    if (value === undefined) throw new ConfigError(`${key}: ${param.id} has no parameter ${param.path.join(".")}`, [key]);
    return value;
  }
  // The legacy Bear Trap section reads as the first bear-trap instance's params.
  if (key.startsWith("strategy.")) return getKey(config, `strategies[bear-trap].params.${key.slice("strategy.".length)}`);
  checkKey(key);
  return valueAt(config, key.split("."));
}

/** A command-line VALUE: JSON when it parses (numbers, true, lists, objects), else the text itself. */
export function parseValue(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/**
 * The overrides with `key` set to `value`. A key inside a list or a named record (a template's
 * field) starts from the effective value of that list or record, so setting one field keeps the
 * rest instead of replacing the whole record with one field.
 */
export function withKey(raw: JsonObject, key: string, value: Json | undefined, effective: Config): JsonObject {
  checkKey(key);
  const parts = key.split(".");
  const out = JSON.parse(JSON.stringify(raw)) as JsonObject;
  let obj: Json = out;
  let eff: unknown = effective;
  let node: JsonSchemaNode | null = configJsonSchema();
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    node = node ? schemaAt(part, node) : null;
    eff = eff !== null && typeof eff === "object" ? (eff as Record<string, unknown>)[part] : undefined;
    const container = obj as Record<string, Json>;
    if (container[part] === undefined) {
      if (value === undefined) return out;
      container[part] = node && isOpenContainer(node) && eff !== undefined ? (JSON.parse(JSON.stringify(eff)) as Json) : {};
    }
    const next: Json = container[part];
    if (next === null || typeof next !== "object") throw new ConfigError(`${parts.slice(0, i + 1).join(".")} holds ${JSON.stringify(next)}, not an object: cannot set ${key} inside it`, [key]);
    obj = next;
  }
  const last = parts[parts.length - 1];
  if (Array.isArray(obj)) {
    if (!/^\d+$/.test(last)) throw new ConfigError(`${key}: a list index must be a number`, [key]);
    if (value === undefined) obj.splice(Number(last), 1);
    else obj[Number(last)] = value;
  } else if (value === undefined) delete (obj as JsonObject)[last];
  else (obj as JsonObject)[last] = value;
  return pruneEmpty(out);
}

/** Drops objects left empty by an unset, so the file keeps only real overrides. */
function pruneEmpty(o: JsonObject): JsonObject {
  for (const [k, v] of Object.entries(o)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      pruneEmpty(v);
      if (Object.keys(v).length === 0) delete o[k];
    }
  }
  return o;
}

/** The repo's config/schema.json as a path relative to the user file, for its "$schema" pointer. */
export function schemaRefFor(file: string): string {
  const schema = join(projectDir(), "config", "schema.json");
  const rel = relative(dirname(file), schema);
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/** Writes the overrides (atomically, validated first) with a "$schema" pointer first so editors check the file. */
export function writeUserFile(file: string, raw: JsonObject): void {
  assertValid(raw, file);
  const { $schema, ...rest } = raw;
  const doc = { $schema: typeof $schema === "string" ? $schema : schemaRefFor(file), ...rest };
  writeFileAtomicSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}

/** Dotted leaf keys whose values differ between two configs (lists compare whole), with both values. */
export function configChanges(prev: unknown, next: unknown): { key: string; from: unknown; to: unknown }[] {
  const out: { key: string; from: unknown; to: unknown }[] = [];
  const walk = (a: unknown, b: unknown, prefix: string): void => {
    if (isPlainObject(a) && isPlainObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], prefix ? `${prefix}.${k}` : k);
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ key: prefix, from: a, to: b });
  };
  walk(prev, next, "");
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === "object" && !Array.isArray(x);
}

/** Flattens a config to dotted leaf keys (lists and records of templates stay whole values). */
export function flatten(config: unknown, prefix = "", root: JsonSchemaNode = configJsonSchema()): [string, unknown][] {
  const out: [string, unknown][] = [];
  const node = prefix ? schemaAt(prefix, root) : root;
  if (isPlainObject(config) && node?.properties) {
    for (const [k, v] of Object.entries(config)) out.push(...flatten(v, prefix ? `${prefix}.${k}` : k, root));
    return out;
  }
  out.push([prefix, config]);
  return out;
}
