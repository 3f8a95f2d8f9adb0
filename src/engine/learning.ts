import type { Config } from "../config/schema.ts";
import type { Rng } from "../core/rng.ts";
import type { TradeRecord } from "../core/types.ts";
import { KellyStatsStore, ALL } from "../sizing/kelly-stats.ts";
import { trainConfidenceModel, type ConfidenceModel, type TrainingSample } from "../sizing/logistic.ts";
import { ENTRY_FEATURES, entryFeatures } from "../sizing/entry-features.ts";
import type { SizingContext } from "../sizing/sizer.ts";
import { NeutralRlPolicy, QLearningPolicy, QTable, reward, type RlConfig } from "../sizing/rl/index.ts";

/** How often the confidence model is refitted, in newly closed trades (refits are cheap but not free). */
const CONFIDENCE_REFIT_EVERY = 5;

/**
 * What the sizing layers learn from closed trades: Kelly statistics, the confidence model's
 * training set and the RL Q-table. Only `onTradeClosed` writes here, and it is called when a trade
 * closes, so a decision can only see trades that closed before it: no peeking, by construction.
 */
export class LearningState {
  readonly kelly: KellyStatsStore;
  private readonly samples: TrainingSample[] = [];
  private model: ConfidenceModel | null = null;
  private sinceRefit = 0;
  readonly rl: QLearningPolicy | null;
  private readonly neutralRl = new NeutralRlPolicy();
  private readonly rlCfg: RlConfig;
  /** Every prediction made with its outcome, for the calibration report. */
  readonly predictions: { p: number; win: boolean }[] = [];

  constructor(
    private readonly config: Config,
    rng: Rng,
    qTable: QTable | null = null,
  ) {
    this.kelly = new KellyStatsStore(config.sizing.kelly.window);
    this.rlCfg = config.sizing.rl;
    const usesRl = config.sizing.mode === "rl" || config.sizing.mode === "full";
    this.rl = usesRl ? new QLearningPolicy(qTable ?? QTable.fromConfig(this.rlCfg), rng, { explore: this.rlCfg.explore, learn: this.rlCfg.learn }) : null;
  }

  /** The learned inputs of a sizing decision as of `asOfMs`. */
  context(strategyId: string, symbol: string, asOfMs: number): SizingContext {
    const scope = this.config.sizing.kelly.scope;
    const kelly =
      scope === "symbol" ? this.kelly.snapshot(strategyId, symbol, asOfMs) : scope === "all" ? this.kelly.snapshot(ALL, ALL, asOfMs) : this.kelly.snapshot(strategyId, ALL, asOfMs);
    return {
      kelly,
      confidenceModel: this.model,
      rlPolicy: this.rl ?? this.neutralRl,
    };
  }

  get confidenceModel(): ConfidenceModel | null {
    return this.model;
  }

  /** Feeds a closed trade to every learner. `equityAtEntryUsd` turns P/L into % of equity for the RL reward. */
  onTradeClosed(t: TradeRecord, equityAtEntryUsd: number, drawdownPctAtClose: number): void {
    if (Number.isFinite(t.rMultiple)) this.kelly.add({ strategyId: t.strategyId, symbol: t.symbol, rMultiple: t.rMultiple, closeTimeMs: t.exitTimeMs });
    const win = t.pnlUsd > 0;
    if (typeof t.sizing.probability === "number") this.predictions.push({ p: t.sizing.probability, win });
    this.samples.push({ features: entryFeatures(t.signal), win });
    const minSamples = this.config.sizing.confidence.minSamples;
    if (this.samples.length >= minSamples && (this.model === null || ++this.sinceRefit >= CONFIDENCE_REFIT_EVERY)) {
      this.sinceRefit = 0;
      this.model = trainConfidenceModel(this.samples, { featureNames: ENTRY_FEATURES, l2: this.config.sizing.confidence.l2 });
    }
    const rlPick = t.sizing.rl;
    if (this.rl !== null && rlPick && rlPick.action >= 0) {
      const pnlPct = equityAtEntryUsd > 0 ? (t.pnlUsd / equityAtEntryUsd) * 100 : 0;
      this.rl.learn(rlPick.stateKey, rlPick.action, reward(pnlPct, t.rMultiple, drawdownPctAtClose, this.rlCfg.reward));
    }
  }
}
