import type { BarBatch, BarSource } from "../core/bars.ts";
import type { Config } from "../config/schema.ts";
import type { Rng } from "../core/rng.ts";
import type { TradeRecord } from "../core/types.ts";
import { LearningState } from "../engine/learning.ts";
import type { SizingContext } from "../sizing/sizer.ts";
import type { ConfidenceModel } from "../sizing/logistic.ts";
import { FAIL_SAFE_REGIME_CALL, type NamedFeatures, type RegimeCall, type RegimeClassifier } from "../sizing/regime-port.ts";

/**
 * The out-of-sample run of a walk-forward is ONE engine run over the test windows back to back,
 * so equity, the high-water mark and the indicators carry from fold to fold exactly as in one
 * account. At each fold's first bar the learned pieces switch to the ones fitted on that fold's
 * train window: the source tells the learning state and the regime classifier which fold begins.
 */

/** Learning that delegates to the current fold's state; it keeps the outcomes of every test trade for the reports. */
export class FoldLearning extends LearningState {
  private current: LearningState;

  constructor(
    config: Config,
    rng: Rng,
    private readonly perFold: readonly LearningState[],
  ) {
    super(config, rng);
    this.freeze();
    this.current = perFold[0];
  }

  /** Called by the fold source before the first bar of fold `k` (0-based). */
  enterFold(k: number): void {
    this.current = this.perFold[k];
  }

  override context(strategyId: string, symbol: string, asOfMs: number): SizingContext {
    return this.current.context(strategyId, symbol, asOfMs);
  }

  override get confidenceModel(): ConfidenceModel | null {
    return this.current.confidenceModel;
  }

  override onTradeClosed(t: TradeRecord, equityAtEntryUsd: number, drawdownPctAtClose: number): void {
    // Out-of-sample outcomes for the calibration and Kelly tables of the report; decisions never read these.
    if (typeof t.sizing.probability === "number") this.predictions.push({ p: t.sizing.probability, win: t.pnlUsd > 0 });
    if (Number.isFinite(t.rMultiple)) this.kelly.add({ strategyId: t.strategyId, symbol: t.symbol, rMultiple: t.rMultiple, closeTimeMs: t.exitTimeMs });
    this.current.onTradeClosed(t, equityAtEntryUsd, drawdownPctAtClose);
  }
}

/** Regime calls from the current fold's classifier (fail-safe NORMAL for a fold without a model). */
export class FoldRegime implements RegimeClassifier {
  private current: RegimeClassifier | null;

  constructor(private readonly perFold: readonly (RegimeClassifier | null)[]) {
    this.current = perFold[0] ?? null;
  }

  enterFold(k: number): void {
    this.current = this.perFold[k] ?? null;
  }

  classify(features: NamedFeatures, asOfMs?: number): RegimeCall {
    return this.current === null ? FAIL_SAFE_REGIME_CALL : this.current.classify(features, asOfMs);
  }
}

/**
 * The test windows one after another as one source; `enterFold(k)` runs before fold k's first
 * batch is handed out, i.e. after the engine has consumed every bar of fold k - 1.
 */
export function foldSource(symbols: readonly string[], windows: readonly BarSource[], enterFold: (k: number) => void): BarSource {
  let k = -1;
  let cur: BarSource | null = null;
  const total = windows.reduce<number | null>((a, w) => (a === null || w.totalBars === null ? null : a + w.totalBars), 0);
  return {
    symbols,
    totalBars: total,
    nextBatch(): BarBatch | null {
      for (;;) {
        const b = cur?.nextBatch() ?? null;
        if (b !== null) return b;
        cur?.close?.();
        if (++k >= windows.length) return null;
        cur = windows[k];
        enterFold(k);
      }
    },
    close(): void {
      cur?.close?.();
      k = windows.length;
      cur = null;
    },
  };
}
