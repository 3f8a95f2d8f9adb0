import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { KellyStatsStore } from "../../src/sizing/kelly-stats.ts";
import { BUILTIN_MODE_NAMES } from "../../src/sizing/modes.ts";
import { createSizer } from "../../src/sizing/pipeline.ts";
import type { SizingInput } from "../../src/sizing/sizer.ts";
import type { SizingStage } from "../../src/sizing/template.ts";
import { createSizer as createLegacySizer } from "../fixtures/legacy-pipeline.ts";
import { FixedRlPolicy, identityModel, makeSignal } from "./helpers.ts";

/**
 * Issue 14 replaced the boolean mode table and the if-chain with layer lists. Every built-in mode
 * must decide exactly as before: the whole decision (shares, factors, reasons, summary, cap, full
 * size, template, RL pick, Kelly estimate) is compared with the frozen pre-issue-14 pipeline.
 */

const u = (min: number, max: number) => fc.integer({ min: 0, max: 1_000_000 }).map((i) => min + ((max - min) * i) / 1_000_000);
const mostly = <T>(a: fc.Arbitrary<T>, rare: fc.Arbitrary<T>) => fc.oneof({ weight: 10, arbitrary: a }, { weight: 1, arbitrary: rare });

const configArb = fc
  .record({
    mode: fc.constantFrom(...BUILTIN_MODE_NAMES),
    riskPct: u(0.05, 4),
    minRiskPct: u(0, 0.5),
    maxRiskPct: u(0.5, 10),
    maxNotionalUsd: mostly(u(1000, 1e6), fc.constant(1e12)),
    maxOpenPositions: fc.integer({ min: 0, max: 6 }),
    minSample: fc.integer({ min: 0, max: 30 }),
    fraction: u(0.05, 1),
    ddAt: u(1, 30),
    ddFactor: u(0, 1),
    haltAt: u(5, 60),
  })
  .map(
    (c): Config =>
      parseConfig({
        sizing: {
          mode: c.mode,
          riskPct: c.riskPct,
          minRiskPct: c.minRiskPct,
          maxRiskPct: c.maxRiskPct,
          kelly: { window: 50, minSample: c.minSample, fraction: c.fraction },
          drawdown: { ladder: [{ atPct: Math.min(c.ddAt, c.haltAt * 0.9), factor: c.ddFactor }], haltAtPct: c.haltAt },
        },
        risk: { maxNotionalUsd: c.maxNotionalUsd, maxOpenPositions: c.maxOpenPositions },
      }),
  );

const stageArb: fc.Arbitrary<SizingStage> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<SizingStage>({ kind: "initial" }) },
  fc.record({ kind: fc.constant("add" as const), index: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant("add" as const), index: fc.integer({ min: 0, max: 2 }), template: fc.constantFrom("aggressive", "normal", "gone") }),
);

const inputArb = fc.record({
  equityUsd: mostly(u(1000, 1e7), fc.constant(0)),
  price: u(1, 200),
  rFrac: mostly(u(0.001, 0.3), u(-0.1, 0)),
  hwm: mostly(u(1, 1.4), fc.constant(null)),
  buyingPowerUsd: mostly(u(1e5, 2e7), u(-1000, 1e5)),
  openPositions: fc.integer({ min: 0, max: 7 }),
  halted: mostly(fc.constant(null), fc.constant("manual")),
  regime: fc.option(fc.constantFrom("ADD_ALLOWED" as const, "ADD_NEUTRAL" as const, "NO_ADD" as const)),
  vol: mostly(u(0, 3), fc.constant(NaN)),
  x: mostly(u(-6, 6), fc.constant(NaN)),
  modelCount: fc.option(fc.integer({ min: 0, max: 100 })),
  history: fc.array(u(-3, 6), { maxLength: 60 }),
  rl: mostly(fc.constantFrom(0.5, 1, 1.25, 2), fc.constantFrom(NaN, -1)),
  stage: stageArb,
  held: fc.option(fc.record({ heldQtyShares: fc.integer({ min: 1, max: 5000 }), boughtQtyShares: fc.integer({ min: 1, max: 5000 }), full: fc.integer({ min: 1, max: 10_000 }), dd: u(0, 1) })),
});

function toInput(raw: typeof inputArb extends fc.Arbitrary<infer T> ? T : never): SizingInput {
  const store = new KellyStatsStore(50);
  raw.history.forEach((r, i) => store.add({ strategyId: "s", symbol: "X", rMultiple: r, closeTimeMs: i }));
  return {
    signal: makeSignal(),
    entryPriceUsd: raw.price,
    stopUsd: raw.price * (1 - raw.rFrac),
    equityUsd: raw.equityUsd,
    buyingPowerUsd: raw.buyingPowerUsd,
    openPositions: raw.openPositions,
    highWaterMarkUsd: raw.hwm === null ? undefined : raw.equityUsd * raw.hwm,
    halted: raw.halted,
    regime: raw.regime === null ? null : { regime: raw.regime, probability: 0.7, reason: "test" },
    volatilityRatio: raw.vol,
    trendStrength: 0.5,
    features: [raw.x],
    stage: raw.stage,
    context: { kelly: store.snapshot("s", "*", 1e9), confidenceModel: raw.modelCount === null ? null : identityModel(raw.modelCount), rlPolicy: new FixedRlPolicy(raw.rl) },
    position:
      raw.held === null
        ? undefined
        : { heldQtyShares: raw.held.heldQtyShares, avgPriceUsd: raw.price * 0.98, boughtQtyShares: raw.held.boughtQtyShares, fullSize: { qtyShares: raw.held.full, riskPct: 1, drawdownFactor: raw.held.dd } },
  };
}

describe("built-in modes decide exactly as the pre-issue-14 pipeline", () => {
  it("same decision, field for field, for random configs and inputs in every built-in mode", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(configArb, inputArb, (cfg, raw) => {
        const input = toInput(raw);
        const now = createSizer(cfg).size(input);
        const before = createLegacySizer(cfg).size(input);
        expect(now).toEqual(before);
        if (now.qtyShares > 0) seen.add(cfg.sizing.mode);
      }),
      { numRuns: 1500, seed: 14 },
    );
    // The comparison covered sized decisions in every mode, not only refusals.
    expect([...seen].sort()).toEqual([...BUILTIN_MODE_NAMES].sort());
  });
});
