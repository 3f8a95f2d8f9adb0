import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import { SeededRng } from "../../src/core/rng.ts";
import { generateSeries } from "../../src/data/generator.ts";
import { seriesSource } from "../../src/data/merge-source.ts";
import { sliceSeries } from "../../src/data/day-range.ts";
import { runBacktest } from "../../src/backtest/run.ts";
import { LearningState, type FittedLearning } from "../../src/engine/learning.ts";
import { serializeQTable } from "../../src/sizing/rl/index.ts";

const series = generateSeries({ seed: 4, symbols: 12, days: 40, selloffProb: 0.2 });
const config = parseConfig({ strategy: { minDayChangePct: -10 }, sizing: { mode: "rl", confidence: { minSamples: 8 } } });
const splitMs = series[0].tMs[Math.floor(series[0].length / 2)];
const half = (from: number, to: number) => seriesSource(series.map((s) => sliceSeries(s, from, to)));
const json = (f: FittedLearning) => JSON.stringify({ kelly: f.kelly, samples: f.samples, model: f.confidenceModel, q: f.qTable ? serializeQTable(f.qTable) : null });

describe("carrying learned pieces from one run into another", () => {
  const train = runBacktest({ config, source: half(-Infinity, splitMs) });
  const fitted = train.learning.fitted();
  const later = runBacktest({ config, source: half(splitMs, Infinity) }).engine.trades;

  it("exports everything learned: Kelly statistics, the samples, a confidence model refitted on all of them, the Q-table", () => {
    expect(fitted.samples.length).toBe(train.engine.trades.length);
    expect(fitted.confidenceModel?.trainingCount).toBe(train.engine.trades.length);
    expect(fitted.qTable!.totalUpdates).toBe(train.engine.trades.length);
    expect(later.length).toBeGreaterThan(5);
  });

  it("starts a new state from them unchanged (copies: the source state is not shared)", () => {
    const carried = new LearningState(config, new SeededRng(1), null, fitted);
    expect(json(carried.fitted())).toBe(json(fitted));
    expect(carried.rl!.table).not.toBe(fitted.qTable);
    expect(carried.confidenceModel).toBe(fitted.confidenceModel);
  });

  it("frozen: later trades are recorded for calibration but change no learner; online: they do", () => {
    const frozen = new LearningState(config, new SeededRng(1), null, fitted).freeze();
    const online = new LearningState(config, new SeededRng(1), null, fitted);
    for (const t of later) {
      frozen.onTradeClosed(t, t.sizing.equityUsd, 0);
      online.onTradeClosed(t, t.sizing.equityUsd, 0);
    }
    expect(frozen.isFrozen).toBe(true);
    expect(json(frozen.fitted())).toBe(json(fitted));
    expect(frozen.predictions.length).toBe(later.filter((t) => typeof t.sizing.probability === "number").length);
    expect(online.fitted().samples.length).toBe(fitted.samples.length + later.length);
    expect(online.rl!.table.totalUpdates).toBeGreaterThan(fitted.qTable!.totalUpdates);
  });
});
