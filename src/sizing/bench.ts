import { parseConfig } from "../config/load.ts";
import type { Signal } from "../core/types.ts";
import type { SizingMode } from "./pipeline.ts";
import { createSizer } from "./pipeline.ts";
import { ENTRY_FEATURES } from "./entry-features.ts";
import { kellySnapshotFor } from "./kelly.ts";
import { KellyStatsStore } from "./kelly-stats.ts";
import { trainConfidenceModel } from "./logistic.ts";
import type { RegimeCall } from "./regime-port.ts";
import type { SizingInput } from "./sizer.ts";

/**
 * Throughput of the sizing pipeline on one core: n decisions over a ring of 1024 prepared inputs
 * with a trained confidence model and a full Kelly window, so every layer does its real work.
 * Inputs are built before the clock starts; only `size` is timed.
 */

export interface BenchResult {
  readonly mode: SizingMode;
  readonly n: number;
  readonly elapsedMs: number;
  readonly decisionsPerSec: number;
  /** Sum of shares, so the work cannot be optimised away (and runs are comparable). */
  readonly checksum: number;
}

/** Deterministic LCG in [0, 1): the bench must not depend on Math.random. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

const REGIME_CALLS: readonly RegimeCall[] = [
  { regime: "ADD_ALLOWED", probability: 0.8, reason: "bench" },
  { regime: "ADD_NEUTRAL", probability: 0.6, reason: "bench" },
  { regime: "NO_ADD", probability: 0.7, reason: "bench" },
];

export function benchSizing(n = 1_000_000, mode: SizingMode = "full"): BenchResult {
  const rnd = lcg(42);
  const config = parseConfig({ sizing: { mode } });
  const store = new KellyStatsStore(config.sizing.kelly.window);
  for (let i = 0; i < 60; i++) store.add({ strategyId: "bear_trap", symbol: "SYM", rMultiple: rnd() < 0.5 ? 0.5 + rnd() * 2 : -1, closeTimeMs: i });
  const kelly = kellySnapshotFor(store, config.sizing.kelly, "bear_trap", "SYM", 1e9);
  const k = ENTRY_FEATURES.length;
  const samples = Array.from({ length: 200 }, () => {
    const features = Array.from({ length: k }, () => rnd() * 2 - 1);
    return { features, win: features[0] + 0.5 * features[1] + rnd() - 0.5 > 0 };
  });
  const model = trainConfidenceModel(samples, { featureNames: ENTRY_FEATURES, l2: config.sizing.confidence.l2 });
  const sizer = createSizer(config);
  const inputs: SizingInput[] = [];
  for (let i = 0; i < 1024; i++) {
    const price = 5 + rnd() * 95;
    const signal = { strategyId: "bear_trap", symbol: "SYM", refPriceUsd: price } as unknown as Signal;
    inputs.push({
      signal,
      entryPriceUsd: price,
      stopUsd: price * (1 - 0.005 - rnd() * 0.04),
      equityUsd: 80_000 + rnd() * 40_000,
      highWaterMarkUsd: 120_000,
      buyingPowerUsd: 100_000,
      openPositions: Math.floor(rnd() * 4),
      halted: null,
      regime: REGIME_CALLS[i % 3],
      volatilityRatio: 0.6 + rnd(),
      trendStrength: rnd(),
      features: Array.from({ length: k }, () => rnd() * 2 - 1),
      context: { kelly, confidenceModel: model },
    });
  }
  let checksum = 0;
  for (let i = 0; i < 20_000; i++) checksum += sizer.size(inputs[i & 1023]).qtyShares;
  checksum = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) checksum += sizer.size(inputs[i & 1023]).qtyShares;
  const elapsedMs = performance.now() - t0;
  return { mode, n, elapsedMs, decisionsPerSec: elapsedMs > 0 ? (n / elapsedMs) * 1000 : Infinity, checksum };
}
