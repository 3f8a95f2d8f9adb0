import { cliTable } from "./colour.ts";
import type { Command } from "commander";
import { resolveConfig } from "../config/load.ts";
import { trainRl } from "../backtest/train-rl.ts";
import { loadQTable, loadQTableTraining, saveQTable } from "../sizing/rl/index.ts";
import { barsFingerprint } from "../backtest/in-sample.ts";
import { type BarInputOptions, barLimits, loadSeries } from "./load-bars.ts";
import { withBarInputs } from "./load-bars.ts";
import { progressBar } from "./progress.ts";
import { homeDir } from "./home.ts";

interface TrainRlOptions extends BarInputOptions {
  passes: string;
  out?: string;
  resume?: boolean;
  config?: string;
  json?: boolean;
}

/** Training figures are scored on the bars the table learns from. */
const IN_SAMPLE = "Every figure above is IN-SAMPLE (the passes learn from the bars they are scored on).";

export function registerTrainRl(program: Command): void {
  withBarInputs(program.command("train-rl").description("Train the RL size multiplier (tabular Q-learning) on backtest episodes and save the Q-table."))
    .option("--passes <n>", "passes over the bars (episodes)", "20")
    .option("--out <file>", "where to write the Q-table (default: sizing.rl.tablePath from config)")
    .option("--resume", "continue from the table already at --out")
    .option("--config <file>", "config file")
    .option("--json", "print the per-pass convergence as JSON")
    .addHelpText("after", "\nThe table file records the bars it was trained on; compare --rl-table on the same bars labels its figures IN-SAMPLE.\n\nExample:\n  $ npx sizewise train-rl --data ../shared/data/bars/1min/2024q2 --passes 30 --out state/rl-qtable.json")
    .action((o: TrainRlOptions) => {
      const config = resolveConfig(o.config, homeDir());
      const out = o.out ?? config.sizing.rl.tablePath;
      const passes = Number(o.passes);
      if (!Number.isInteger(passes) || passes < 1) throw new Error(`--passes must be a positive integer (got ${JSON.stringify(o.passes)})`);
      const { series } = loadSeries({ ...o, plausibility: barLimits(config) });
      const bar = progressBar("training", passes, !o.json);
      const res = trainRl({ config, series, passes, table: o.resume ? loadQTable(out) : undefined, onPass: (p) => bar.update(p.pass) });
      bar.stop();
      // The file records the bars it learned from, so a compare on them can say it is in-sample.
      const trainedOn = [...(o.resume ? loadQTableTraining(out) : []), barsFingerprint(series)];
      saveQTable(out, res.table, trainedOn);
      const last = trainedOn[trainedOn.length - 1];
      if (o.json) {
        process.stdout.write(`${JSON.stringify({ out, passes: res.passes, greedy: res.table.stats().greedy, inSample: IN_SAMPLE, trainedOn })}\n`);
        return;
      }
      const t = cliTable({ head: ["pass", "trades", "return %", "epsilon", "states", "updates", "mean reward"] });
      for (const p of res.passes) t.push([p.pass, p.trades, p.totalReturnPct.toFixed(2), p.epsilon.toFixed(3), p.states, p.totalUpdates, p.meanReward.toFixed(3)]);
      process.stdout.write(
        `${t.toString()}\n${IN_SAMPLE}\n` +
          `Q-table written to ${out}, trained on ${last.symbols.length} symbols, ${last.from.slice(0, 10)}..${last.to.slice(0, 10)} (${last.bars} bars)${trainedOn.length > 1 ? ` and ${trainedOn.length - 1} earlier session(s)` : ""}; a compare --rl-table on these bars is labelled in-sample\n`,
      );
    });
}
