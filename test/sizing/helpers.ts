import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import type { Signal } from "../../src/core/types.ts";
import type { ConfidenceModel } from "../../src/sizing/logistic.ts";
import type { RlMultiplier, RlPolicy, RlStateInput } from "../../src/sizing/rl-port.ts";
import type { SizingInput } from "../../src/sizing/sizer.ts";

/** 2024-03-04 10:14 ET bar start (EST, UTC-5): decision at 10:15, 45 minutes after the open. */
export const BAR_MS = Date.UTC(2024, 2, 4, 15, 14);

export function makeSignal(over: Partial<Signal> = {}): Signal {
  return {
    strategyId: "bear_trap",
    symbol: "ABC",
    symId: 0,
    barTimeMs: BAR_MS,
    etDay: 19786,
    refPriceUsd: 20,
    stopPriceUsd: 19.5,
    atrUsd: 0.2,
    dayChangePct: -16,
    detail: { supportUsd: 19.6, reclaimedLevelUsd: 19.7, sessionHighUsd: 24, lowerWickRatio: 0.3, bodyRatio: 0.4, volumeRatio: 1.8 },
    ...over,
  };
}

export function makeInput(over: Partial<SizingInput> = {}): SizingInput {
  return {
    signal: makeSignal(),
    entryPriceUsd: 20,
    stopUsd: 19.5,
    equityUsd: 100_000,
    buyingPowerUsd: 100_000,
    openPositions: 0,
    ...over,
  };
}

/** Config with sizing overrides on top of the defaults (validated like a user's file). */
export function configWith(sizing: Record<string, unknown> = {}, risk: Record<string, unknown> = {}): Config {
  return parseConfig({ sizing, risk });
}

/** A one-feature model with p = sigmoid(x): lets tests pick p exactly. */
export function identityModel(trainingCount = 100): ConfidenceModel {
  return {
    kind: "logistic-l2",
    version: 1,
    featureNames: ["x"],
    means: [0],
    stds: [1],
    weights: [1],
    intercept: 0,
    l2: 1,
    trainingCount,
    droppedSamples: 0,
    trainingWinRate: 0.5,
    iterations: 1,
    converged: true,
  };
}

/** Feature value giving p exactly (up to rounding) under identityModel. */
export function logit(p: number): number {
  return Math.log(p / (1 - p));
}

/** An RL policy that always answers `factor` and records the states it saw. */
export class FixedRlPolicy implements RlPolicy {
  readonly seen: RlStateInput[] = [];
  constructor(readonly factor: number) {}
  multiplier(state: RlStateInput): RlMultiplier {
    this.seen.push(state);
    return { factor: this.factor, reason: `rl fixed ${this.factor}`, action: 3, stateKey: "test" };
  }
}

/** Paths of every number in a value that is NaN or infinite (decisions must have none). */
export function nonFiniteNumbers(v: unknown, path = "$"): string[] {
  if (typeof v === "number") return Number.isFinite(v) ? [] : [`${path}=${v}`];
  if (Array.isArray(v)) return v.flatMap((x, i) => nonFiniteNumbers(x, `${path}[${i}]`));
  if (v !== null && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => nonFiniteNumbers(x, `${path}.${k}`));
  return [];
}
