import { z } from "zod";
import { configObjectSchema } from "./schema.ts";
import { listStrategies } from "../../strategies/index.ts";
import type { StrategyDefinition } from "../core/strategy.ts";

/**
 * The config's JSON Schema, generated from the zod schema (config/schema.json is written from it by
 * scripts/write-default-config.ts), so editors complete and check config files, and the CLI can
 * say for any key what it means and what is allowed.
 */

/** The subset of JSON Schema that zod emits and the CLI reads. */
export interface JsonSchemaNode {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly properties?: Readonly<Record<string, JsonSchemaNode>>;
  readonly additionalProperties?: boolean | JsonSchemaNode;
  readonly propertyNames?: JsonSchemaNode;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly oneOf?: readonly JsonSchemaNode[];
  readonly required?: readonly string[];
  readonly $schema?: string;
  readonly title?: string;
  readonly allOf?: readonly JsonSchemaNode[];
  readonly if?: JsonSchemaNode;
  readonly then?: JsonSchemaNode;
}

let cached: JsonSchemaNode | null = null;

/** The JSON Schema of a config file (input side: every key optional, defaults shown). */
export function configJsonSchema(): JsonSchemaNode {
  if (cached !== null) return cached;
  const raw = z.toJSONSchema(configObjectSchema, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
  const props = { ...raw.properties };
  const list = props.strategies;
  if (list?.items) {
    // Each shipped strategy's params, checked by editors when the instance names its id.
    const byId = listStrategies().map((d) => ({
      if: { properties: { id: { const: d.id } }, required: ["id"] },
      then: { properties: { params: strategyParamsJsonSchema(d) } },
    }));
    props.strategies = { ...list, items: { ...list.items, allOf: byId } };
  }
  cached = {
    ...raw,
    title: "sizewise config",
    description:
      "Overrides of sizewise's defaults (config/default.json). Put them in config/local.json or pass --config FILE; every key not given keeps its default.",
    properties: {
      $schema: { type: "string", description: "Path or URL of this JSON Schema (editors use it for completion and checks; sizewise ignores it)." },
      ...props,
    },
  };
  return cached;
}

/** A strategy's params as JSON Schema (input side: every key optional, defaults and descriptions shown); {} when its schema is not zod. */
export function strategyParamsJsonSchema(def: StrategyDefinition<unknown, unknown>): JsonSchemaNode {
  try {
    const { $schema: _s, ...node } = z.toJSONSchema(def.params as unknown as z.ZodType, { io: "input", unrepresentable: "any" }) as JsonSchemaNode;
    return { ...node, description: `Parameters of ${def.id}: ${def.description}` };
  } catch {
    return { type: "object", description: `Parameters of ${def.id}: ${def.description}` };
  }
}

/** "strategies[bear-trap].params.minDayChangePct" -> its id and param path, or null for any other key. */
export function strategyParamKey(key: string): { id: string; path: string[] } | null {
  const m = /^strategies\[([a-z0-9-]+)\]\.params\.(.+)$/.exec(key);
  return m ? { id: m[1], path: m[2].split(".") } : null;
}

/** What one config key accepts, in words: enum options, ranges, types, patterns. */
export function allowedText(node: JsonSchemaNode): string {
  const alts = node.anyOf ?? node.oneOf;
  if (alts) return alts.map(allowedText).join(" or ");
  if (node.enum) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (node.const !== undefined) return JSON.stringify(node.const);
  const type = Array.isArray(node.type) ? node.type.join("|") : (node.type ?? "any");
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`>= ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) bounds.push(`<= ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  if (type === "array") {
    const n = node.minItems !== undefined || node.maxItems !== undefined ? ` (${node.minItems ?? 0}..${node.maxItems ?? "any"} items)` : "";
    return `a list${n}${node.items ? ` of ${allowedText(node.items)}` : ""}`;
  }
  if (type === "object") return node.properties ? "an object" : `an object of ${node.additionalProperties && typeof node.additionalProperties === "object" ? allowedText(node.additionalProperties) : "values"} by name`;
  const name = type === "integer" ? "an integer" : type === "number" ? "a number" : type === "boolean" ? "true or false" : type === "string" ? "a string" : type;
  return `${name}${bounds.length ? ` ${bounds.join(" and ")}` : ""}${node.pattern ? ` matching ${node.pattern}` : ""}`;
}

/** The schema node of a dotted key ("sizing.kelly.fraction", "sizing.templates.normal.adds.0.atR"), or null for an unknown key. */
export function schemaAt(key: string, root: JsonSchemaNode = configJsonSchema()): JsonSchemaNode | null {
  let node: JsonSchemaNode | undefined = root;
  for (const part of key.split(".")) {
    if (node === undefined) return null;
    node = childOf(node, part);
  }
  return node ?? null;
}

function childOf(node: JsonSchemaNode, part: string): JsonSchemaNode | undefined {
  if (node.properties && Object.hasOwn(node.properties, part)) return node.properties[part];
  if (node.items && /^\d+$/.test(part)) return node.items;
  if (typeof node.additionalProperties === "object") return node.additionalProperties;
  for (const alt of node.anyOf ?? node.oneOf ?? []) {
    const c = childOf(alt, part);
    if (c) return c;
  }
  return undefined;
}

/** Whether a node holds keys chosen by the user (a record such as sizing.templates) or a list. */
export function isOpenContainer(node: JsonSchemaNode): boolean {
  return node.type === "array" || (node.type === "object" && node.properties === undefined);
}

/** Known child keys of a node, for "did you mean" and "allowed keys" messages. */
export function childKeys(node: JsonSchemaNode): string[] {
  return Object.keys(node.properties ?? {}).filter((k) => k !== "$schema");
}

export interface KeyDoc {
  readonly key: string;
  readonly description: string;
  readonly allowed: string;
  readonly default: unknown;
}

/**
 * Every documented leaf key with its description, allowed values and default. Records (templates)
 * and lists are documented as one key each: their members are the user's own.
 */
export function documentedKeys(root: JsonSchemaNode = configJsonSchema()): KeyDoc[] {
  const out = schemaKeys(root, "");
  // Each shipped strategy's params, under strategies[<id>].params (the first instance of that id).
  for (const def of listStrategies()) out.push(...schemaKeys(strategyParamsJsonSchema(def), `strategies[${def.id}].params`));
  return out;
}

function schemaKeys(root: JsonSchemaNode, start: string): KeyDoc[] {
  const out: KeyDoc[] = [];
  const walk = (node: JsonSchemaNode, prefix: string): void => {
    if (node.properties && node.type === "object") {
      for (const [k, child] of Object.entries(node.properties)) {
        if (k === "$schema") continue;
        walk(child, prefix ? `${prefix}.${k}` : k);
      }
      return;
    }
    out.push({ key: prefix, description: node.description ?? "", allowed: allowedText(node), default: node.default });
  };
  walk(root, start);
  return out;
}

/** Every documented key as a Markdown table: key, value (`valueOf`, the default when absent), allowed, what it does. */
export function keysMarkdown(valueOf?: (key: string) => unknown): string {
  const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows = documentedKeys().map((d) => `| \`${d.key}\` | \`${cell(JSON.stringify(valueOf ? valueOf(d.key) : d.default) ?? "")}\` | ${cell(d.allowed)} | ${cell(d.description)} |`);
  return `| key | ${valueOf ? "value" : "default"} | allowed | what it does |\n|---|---|---|---|\n${rows.join("\n")}\n`;
}

/** docs/config.md: every key, generated (scripts/write-default-config.ts writes it; a test keeps it current). */
export function configDoc(): string {
  return `# Configuration keys

Generated from the zod schema (\`src/config/schema.ts\`) by \`scripts/write-default-config.ts\`; do not edit by hand.
The defaults are in \`config/default.json\`. Put your overrides in \`config/local.json\` (or pass \`--config FILE\`), or
use \`npx sizewise config set KEY VALUE\`, which validates first. Editors check both files against \`config/schema.json\`.
\`npx sizewise config show --explain\` prints this list with the values in force.

${keysMarkdown()}`;
}

/** Levenshtein distance, for suggesting a key when one is mistyped. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  const lower = word.toLowerCase();
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
