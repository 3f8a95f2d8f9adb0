import type { DrawdownConfig } from "../config/schema.ts";
import { fixed1, fmtFactor, fmtPct, type LayerResult } from "./layer.ts";

/**
 * Drawdown cutbacks. Thresholds are inclusive ("at or beyond"), so a cutback is applied from the
 * moment its level is reached; the deepest rung reached wins (rungs do not multiply), and at the
 * halt level new entries get factor 0.
 */

/**
 * Drawdown from the high-water mark, % as a magnitude. Equity above a stale mark counts as a new
 * high (0%); a missing or non-positive mark means no history yet (0%).
 */
export function drawdownPct(equityUsd: number, highWaterMarkUsd: number | undefined): number {
  if (!Number.isFinite(equityUsd)) return 0;
  const hwm = highWaterMarkUsd !== undefined && highWaterMarkUsd > equityUsd ? highWaterMarkUsd : equityUsd;
  if (!(hwm > 0)) return 0;
  return ((hwm - equityUsd) / hwm) * 100;
}

interface Texts {
  readonly halt: string;
  readonly rungs: readonly string[];
  readonly none: string;
}

// Config-only reason tails, rendered once per config object (see volatility.ts).
const texts = new WeakMap<DrawdownConfig, Texts>();

function textsOf(cfg: DrawdownConfig): Texts {
  let t = texts.get(cfg);
  if (!t) {
    const first = cfg.ladder.length > 0 ? cfg.ladder[0].atPct : cfg.haltAtPct;
    t = {
      halt: `% >= ${fmtPct(cfg.haltAtPct)}%: new entries halted`,
      rungs: cfg.ladder.map((r) => `% >= ${fmtPct(r.atPct)}%: x${fmtFactor(r.factor)}`),
      none: `% < ${fmtPct(first)}%: x1.0`,
    };
    texts.set(cfg, t);
  }
  return t;
}

export function drawdownFactor(ddPct: number, cfg: DrawdownConfig): LayerResult {
  const t = textsOf(cfg);
  if (ddPct >= cfg.haltAtPct) return { factor: 0, reason: `drawdown ${fixed1(ddPct)}${t.halt}` };
  const ladder = cfg.ladder;
  for (let i = ladder.length - 1; i >= 0; i--) {
    if (ddPct >= ladder[i].atPct) return { factor: ladder[i].factor, reason: `drawdown ${fixed1(ddPct)}${t.rungs[i]}` };
  }
  return { factor: 1, reason: `drawdown ${fixed1(ddPct)}${t.none}` };
}
