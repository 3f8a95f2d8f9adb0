import type { BarSeries } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import { parseConfig } from "../config/load.ts";
import { seriesSource } from "../data/merge-source.ts";
import { QTable, type QTableStats } from "../sizing/rl/index.ts";
import { runBacktest } from "./run.ts";

export interface TrainPass {
  readonly pass: number;
  readonly trades: number;
  readonly totalReturnPct: number;
  readonly epsilon: number;
  readonly states: number;
  readonly totalUpdates: number;
  readonly meanReward: number;
}

/**
 * Trains the RL Q-table on backtest episodes: each pass replays the bars in `rl` mode with
 * exploration and learning on, and the table carries over to the next pass. Inside a pass the
 * engine learns from each trade when it closes, so no decision sees an outcome that came after it.
 */
export function trainRl(opts: { config: Config; series: readonly BarSeries[]; passes: number; table?: QTable; onPass?: (p: TrainPass) => void }): { table: QTable; passes: TrainPass[] } {
  const base = JSON.parse(JSON.stringify(opts.config)) as Config;
  const table = opts.table ?? QTable.fromConfig(base.sizing.rl);
  const passes: TrainPass[] = [];
  for (let pass = 1; pass <= opts.passes; pass++) {
    // A different seed each pass explores differently; the sequence of seeds is fixed, so training is reproducible.
    const config = parseConfig({
      ...base,
      execution: { ...base.execution, seed: base.execution.seed + pass - 1 },
      sizing: { ...base.sizing, mode: "rl", rl: { ...base.sizing.rl, explore: true, learn: true } },
    });
    const run = runBacktest({ config, source: seriesSource(opts.series), qTable: table });
    const st: QTableStats = table.stats();
    const p: TrainPass = {
      pass,
      trades: run.engine.trades.length,
      totalReturnPct: run.metrics.totalReturnPct,
      epsilon: st.epsilon,
      states: st.states,
      totalUpdates: st.totalUpdates,
      meanReward: st.meanReward,
    };
    passes.push(p);
    opts.onPass?.(p);
  }
  return { table, passes };
}
