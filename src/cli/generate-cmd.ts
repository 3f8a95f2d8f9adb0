import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { generateSeries } from "../data/generator.ts";
import { writeAlpacaCsv } from "../data/csv-writer.ts";
import { progressBar } from "./progress.ts";

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("Write seeded, realistic generated 1-minute bars as Alpaca CSV files (one per symbol).")
    .requiredOption("--out <dir>", "folder to write SYMBOL.csv.gz files into")
    .option("--symbols <n>", "number of symbols", "20")
    .option("--days <n>", "trading days", "60")
    .option("--seed <n>", "seed", "42")
    .option("--from <date>", "first trading date, YYYY-MM-DD", "2024-01-02")
    .option("--plain", "write plain .csv instead of .csv.gz")
    .addHelpText("after", "\nExample:\n  $ npx sizewise generate --out /tmp/bars --symbols 5 --days 20 && npx sizewise backtest --data /tmp/bars")
    .action(async (o: { out: string; symbols: string; days: string; seed: string; from: string; plain?: boolean }) => {
      const series = generateSeries({ seed: Number(o.seed), symbols: Number(o.symbols), days: Number(o.days), startDay: o.from });
      mkdirSync(o.out, { recursive: true });
      const bar = progressBar("writing", series.length, true);
      for (const [i, s] of series.entries()) {
        await writeAlpacaCsv(s, join(o.out, `${s.symbol}.csv${o.plain ? "" : ".gz"}`), { gzip: !o.plain });
        bar.update(i + 1);
      }
      bar.stop();
      process.stdout.write(`wrote ${series.length} files, ${series.reduce((a, s) => a + s.length, 0)} bars, to ${o.out}\n`);
    });
}
