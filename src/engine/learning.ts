import type { Config } from "../config/schema.ts";
import type { Rng } from "../core/rng.ts";
import type { TradeRecord } from "../core/types.ts";
import { KellyStatsStore, ALL, type KellyStatsJson } from "../sizing/kelly-stats.ts";
import { trainConfidenceModel, type ConfidenceModel, type TrainingSample } from "../sizing/logistic.ts";
import { ENTRY_FEATURES, entryFeatures } from "../sizing/entry-features.ts";
import type { SizingContext } from "../sizing/sizer.ts";
import { AllocatorHistory } from "../sizing/allocator.ts";
import { modeUses } from "../sizing/modes.ts";
import type { AllocTrade } from "../whatif/allocate.ts";
import { NeutralRlPolicy, QLearningPolicy, QTable, parseQTable, reward, serializeQTable, type RlConfig } from "../sizing/rl/index.ts";

/**
 * What a run learned, to start another run from (walk-forward fits on a train window and hands
 * this to the test window). Plain values and copies: the run it came from can go on learning.
 */
export interface FittedLearning {
  readonly kelly: KellyStatsJson;
  readonly samples: readonly TrainingSample[];
  /** Refitted on every sample when there are enough (config sizing.confidence.minSamples), else null. */
  readonly confidenceModel: ConfidenceModel | null;
  /** Null when the run's mode has no RL layer. */
  readonly qTable: QTable | null;
  /** Closed trades the allocator layer weighs strategies by (absent in checkpoints written before it). */
  readonly allocator?: readonly AllocTrade[];
}

/** How often the confidence model is refitted, in newly closed trades (refits are cheap but not free). */
const CONFIDENCE_REFIT_EVERY = 5;

/**
 * What the sizing layers learn from closed trades: Kelly statistics, the confidence model's
 * training set and the RL Q-table. Only `onTradeClosed` writes here, and it is called when a trade
 * closes, so a decision can only see trades that closed before it: no peeking, by construction.
 */
export class LearningState {
  /** Replaced only by restore(); read it fresh rather than keeping a reference. */
  kelly: KellyStatsStore;
  /** Every strategy's closed trades for the allocator layer `alloc`; replaced only by restore(). */
  allocator: AllocatorHistory;
  private allocations: ReadonlyMap<string, number> = new Map();
  private readonly samples: TrainingSample[] = [];
  private model: ConfidenceModel | null = null;
  private sinceRefit = 0;
  rl: QLearningPolicy | null;
  private readonly neutralRl = new NeutralRlPolicy();
  private readonly rlCfg: RlConfig;
  /** Every prediction made with its outcome, for the calibration report. */
  readonly predictions: { p: number; win: boolean }[] = [];
  private frozen = false;

  /** `fitted` starts from what another run learned (its Q-table unless `qTable` is given). */
  constructor(
    private readonly config: Config,
    private readonly rng: Rng,
    qTable: QTable | null = null,
    fitted: FittedLearning | null = null,
  ) {
    this.rlCfg = config.sizing.rl;
    const usesRl = modeUses(config.sizing.mode, "rl", config.sizing.modes);
    ({ kelly: this.kelly, rl: this.rl, allocator: this.allocator } = this.startFrom(fitted, usesRl, qTable));
  }

  /**
   * Everything learned so far, as copies. The confidence model is refitted on every sample (the
   * running model lags by up to CONFIDENCE_REFIT_EVERY trades), so it is fitted on the whole window.
   */
  fitted(): FittedLearning {
    const c = this.config.sizing.confidence;
    const model = this.samples.length >= c.minSamples ? trainConfidenceModel(this.samples, { featureNames: ENTRY_FEATURES, l2: c.l2 }) : null;
    return { kelly: this.kelly.toJSON(), samples: [...this.samples], confidenceModel: model, qTable: this.rl ? copyQTable(this.rl.table) : null, allocator: this.allocator.toJSON() };
  }

  /**
   * Stops every learner: closed trades are still recorded for the calibration report, but Kelly
   * statistics, the confidence model and the Q-table no longer change. (RL exploration is the
   * config's `sizing.rl.explore`; an evaluation run sets it false.)
   */
  freeze(): this {
    this.frozen = true;
    return this;
  }

  get isFrozen(): boolean {
    return this.frozen;
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
      allocator: this.allocator.view(asOfMs),
    };
  }

  /**
   * The configured allocation of each strategy the account runs (its slot's `allocation`), which
   * the allocator layer compares its weights with. Unset: the strategies with closed trades, in
   * equal shares.
   */
  setAllocations(allocations: ReadonlyMap<string, number>): void {
    this.allocations = allocations;
    this.allocator.setAllocations(allocations);
  }

  get confidenceModel(): ConfidenceModel | null {
    return this.model;
  }

  /** Feeds a closed trade to every learner. `equityAtEntryUsd` turns P/L into % of equity for the RL reward. */
  onTradeClosed(t: TradeRecord, equityAtEntryUsd: number, drawdownPctAtClose: number): void {
    const win = t.pnlUsd > 0;
    if (typeof t.sizing.probability === "number") this.predictions.push({ p: t.sizing.probability, win });
    if (this.frozen) return;
    if (Number.isFinite(t.rMultiple)) this.kelly.add({ strategyId: t.strategyId, symbol: t.symbol, rMultiple: t.rMultiple, closeTimeMs: t.exitTimeMs });
    this.allocator.add(t);
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

  /**
   * Starts again from what an earlier run learned, or from nothing: the daemon learns across
   * runs (see src/daemon/learning-checkpoint.ts) and only knows which checkpoint applies once it
   * has chosen the run, after the engine holding this object exists.
   */
  restore(f: FittedLearning | null): void {
    ({ kelly: this.kelly, rl: this.rl, allocator: this.allocator } = this.startFrom(f, this.rl !== null, null));
  }

  /** Sets the samples and model from `f` and returns the Kelly store and RL policy to use (the Q-table: `qTable`, else `f`'s, else empty). */
  private startFrom(f: FittedLearning | null, withRl: boolean, qTable: QTable | null): { kelly: KellyStatsStore; rl: QLearningPolicy | null; allocator: AllocatorHistory } {
    const window = this.config.sizing.kelly.window;
    this.samples.length = 0;
    if (f) this.samples.push(...f.samples);
    this.model = f?.confidenceModel ?? null;
    this.sinceRefit = 0;
    const table = qTable ?? (f?.qTable ? copyQTable(f.qTable) : null);
    const allocator = new AllocatorHistory(this.config.sizing.allocator.window);
    if (f?.allocator) allocator.load(f.allocator);
    allocator.setAllocations(this.allocations);
    return {
      allocator,
      kelly: f ? KellyStatsStore.fromJSON(f.kelly, window) : new KellyStatsStore(window),
      rl: withRl ? new QLearningPolicy(table ?? QTable.fromConfig(this.rlCfg), this.rng, { explore: this.rlCfg.explore, learn: this.rlCfg.learn }) : null,
    };
  }
}

function copyQTable(t: QTable): QTable {
  return parseQTable(serializeQTable(t), "fitted Q-table");
}
