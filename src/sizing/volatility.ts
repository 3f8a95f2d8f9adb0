import type { VolatilityConfig } from "../config/schema.ts";
import { fmt2, fmtFactor, type LayerResult } from "./layer.ts";

/**
 * Volatility layer: when ATR runs hot relative to its own average the same R buys a noisier
 * trade, so the size is cut. Thresholds are strict (ratio 1.5 exactly is "elevated", not "high"),
 * as SPEC writes "> 1.5" and "> 1.2". An unknown ratio (indicator warming up) is neutral.
 */

/** ATR / its average; NaN when either is missing or the average is not positive. */
export function volatilityRatio(atrUsd: number, atrAverageUsd: number): number {
  return atrAverageUsd > 0 && atrUsd >= 0 ? atrUsd / atrAverageUsd : NaN;
}

interface Texts {
  readonly high: string;
  readonly elevated: string;
  readonly normal: string;
}

// Reason tails depend only on the config; rendering them once keeps number-to-string
// conversions of config values off the per-decision path.
const texts = new WeakMap<VolatilityConfig, Texts>();

function textsOf(cfg: VolatilityConfig): Texts {
  let t = texts.get(cfg);
  if (!t) {
    t = {
      high: ` > ${cfg.highRatio}: x${fmtFactor(cfg.highFactor)}`,
      elevated: ` > ${cfg.elevatedRatio}: x${fmtFactor(cfg.elevatedFactor)}`,
      normal: ` <= ${cfg.elevatedRatio}: x1.0`,
    };
    texts.set(cfg, t);
  }
  return t;
}

const UNKNOWN: LayerResult = Object.freeze({ factor: 1, reason: "volatility ratio unknown: x1.0" });

export function volatilityFactor(ratio: number, cfg: VolatilityConfig): LayerResult {
  if (!Number.isFinite(ratio)) return UNKNOWN;
  const t = textsOf(cfg);
  if (ratio > cfg.highRatio) return { factor: cfg.highFactor, reason: `ATR/avg ${fmt2(ratio)}${t.high}` };
  if (ratio > cfg.elevatedRatio) return { factor: cfg.elevatedFactor, reason: `ATR/avg ${fmt2(ratio)}${t.elevated}` };
  return { factor: 1, reason: `ATR/avg ${fmt2(ratio)}${t.normal}` };
}
