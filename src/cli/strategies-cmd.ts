import type { Command } from "commander";
import type { StrategyDefinition } from "../core/strategy.ts";
import { listStrategies } from "../../strategies/index.ts";
import { allowedText, strategyParamsJsonSchema, type JsonSchemaNode } from "../config/json-schema.ts";
import { loadStrategyFile } from "../strategy/load-file.ts";

/** One strategy as `sizewise strategies` shows it. */
export interface StrategyListing {
  readonly id: string;
  readonly timeframe: string;
  readonly holding: string;
  readonly description: string;
  readonly source: string;
  readonly params: readonly { readonly name: string; readonly default: unknown; readonly allowed: string; readonly description: string }[];
}

/** A definition's listing: its params with their defaults (from the schema itself) and descriptions. */
export function strategyListing(def: StrategyDefinition<unknown, unknown>, source: string): StrategyListing {
  const schema: JsonSchemaNode = strategyParamsJsonSchema(def);
  let defaults: Record<string, unknown> = {};
  try {
    defaults = (def.params.parse({}) ?? {}) as Record<string, unknown>;
  } catch {
    // A params schema with a required field has no defaults to show; its keys are still listed.
  }
  const params = Object.entries(schema.properties ?? {}).map(([name, node]) => ({
    name,
    default: defaults[name] ?? node.default ?? null,
    allowed: allowedText(node),
    description: node.description ?? "",
  }));
  return { id: def.id, timeframe: def.timeframe, holding: def.holding, description: def.description, source, params };
}

/** The listings as text: a header line per strategy, then its params. */
export function strategiesText(list: readonly StrategyListing[]): string {
  const out: string[] = [];
  for (const s of list) {
    out.push(`${s.id}  (${s.timeframe} bars, ${s.holding}; ${s.source})`, `  ${s.description}`, "  params:");
    const width = Math.max(...s.params.map((p) => p.name.length), 4);
    for (const p of s.params) out.push(`    ${p.name.padEnd(width)}  = ${JSON.stringify(p.default)}   ${p.description}${p.allowed ? ` [${p.allowed}]` : ""}`);
    if (s.params.length === 0) out.push("    (none)");
    out.push("");
  }
  out.push('Run one: --strategy ID[,ID] on backtest, compare, walkforward and start, or "strategies": [{ "id": ID, "params": {...}, "symbols": [...] }] in config.');
  return `${out.join("\n")}\n`;
}

/** `sizewise strategies`: the shipped strategies (and any --strategy-file) with their parameters. */
export function registerStrategies(program: Command): void {
  program
    .command("strategies")
    .description("List the strategies (the shipped ones and any --strategy-file) with their timeframe, holding, description and parameters (defaults and what each does).")
    .option("--json", "print a JSON list instead of text")
    .option("--strategy-file <file>", "also list a strategy of your own from a .ts/.js file (checked as a run would load it; repeatable)", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .addHelpText(
      "after",
      `
Examples:
  $ npx sizewise strategies
  $ npx sizewise strategies --json
  $ npx sizewise strategies --strategy-file examples/strategies/dip-reclaim.ts`,
    )
    .action(async (o: { json?: boolean; strategyFile?: string[] }) => {
      const list = listStrategies().map((d) => strategyListing(d, "shipped"));
      for (const f of o.strategyFile ?? []) list.push(strategyListing(await loadStrategyFile(f), f));
      process.stdout.write(o.json ? `${JSON.stringify(list, null, 2)}\n` : strategiesText(list));
    });
}
