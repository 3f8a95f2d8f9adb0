import type { Regime } from "../sizing/regime-port.ts";

/** Label thresholds in R multiples of the trade's initial risk (config regime.labels). */
export interface LabelThresholds {
  /** ADD_ALLOWED: entry + addAllowedR x R reached before the stop. */
  readonly addAllowedR: number;
  /** NO_ADD: the stop reached before entry + noAddR x R. */
  readonly noAddR: number;
}

/**
 * The regime label of one trade, read from its path after entry (SPEC section 2): ADD_ALLOWED when
 * price reached +addAllowedR before the stop, NO_ADD when the stop came before +noAddR, else
 * ADD_NEUTRAL. Fed only bars strictly after the entry bar, one at a time, so it cannot see the
 * entry bar's own range (a reclaim bar's high often lies above +1R of its own close) nor anything
 * before it.
 *
 * When one bar reaches both the stop and a level, the stop is assumed first, as in the fill model:
 * a label never claims more than the bars prove.
 */
export class PathLabel {
  /** The label once the path decided it, null while it is still open. */
  regime: Regime | null = null;
  private readonly allowAtUsd: number;
  private readonly neutralAtUsd: number;
  private maxHighUsd = -Infinity;

  constructor(
    entryUsd: number,
    private readonly stopUsd: number,
    th: LabelThresholds,
  ) {
    const r = entryUsd - stopUsd;
    this.allowAtUsd = entryUsd + th.addAllowedR * r;
    this.neutralAtUsd = entryUsd + th.noAddR * r;
    // An entry filled at or below its stop (a gap through it) is stopped out at once.
    if (!(r > 0)) this.regime = "NO_ADD";
  }

  /** Feeds the next bar after entry; true once the label is final. */
  onBar(highUsd: number, lowUsd: number): boolean {
    if (this.regime !== null) return true;
    if (lowUsd <= this.stopUsd) {
      this.regime = this.maxHighUsd >= this.neutralAtUsd ? "ADD_NEUTRAL" : "NO_ADD";
      return true;
    }
    if (highUsd > this.maxHighUsd) this.maxHighUsd = highUsd;
    if (this.maxHighUsd >= this.allowAtUsd) {
      this.regime = "ADD_ALLOWED";
      return true;
    }
    return false;
  }

  /** The label when the horizon ends: the path's verdict, or ADD_NEUTRAL when it decided nothing. */
  finish(): Regime {
    return this.regime ?? "ADD_NEUTRAL";
  }
}

/** The label of a whole path (bars strictly after the entry bar, in time order). */
export function labelPath(entryUsd: number, stopUsd: number, bars: readonly { readonly high: number; readonly low: number }[], th: LabelThresholds): Regime {
  const p = new PathLabel(entryUsd, stopUsd, th);
  for (const b of bars) if (p.onBar(b.high, b.low)) break;
  return p.finish();
}
