import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.ts";
import type { Config } from "../../src/config/schema.ts";
import { KellyStatsStore } from "../../src/sizing/kelly-stats.ts";
import { createSizer, type SizingMode } from "../../src/sizing/pipeline.ts";
import type { RlMultiplier, RlPolicy, RlStateInput } from "../../src/sizing/rl-port.ts";
import { makeSignal } from "./helpers.ts";

/**
 * Issue 17's property: for any entry followed by any sequence of its adds (any template, equity,
 * drawdown, prices, stop, Kelly history, RL action, buying power), the position after every order
 * stays within the caps of the whole position, the floor is applied at most once (to the full
 * size, never lifting an order), and an add re-runs no learned layer.
 */

const RUNS = { numRuns: 500 };
const TOL = 1 + 1e-9;

/** Uniform on [min, max] (fc.double crowds near 0 over wide ranges). */
function uniform(min: number, max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: 1_000_000 }).map((i) => min + ((max - min) * i) / 1_000_000);
}

/** Any template the schema accepts: 0-3 adds at increasing R, fractions up to 1.5, maxFraction their sum (or more). */
const templateArb = fc
  .record({
    initial: uniform(0.05, 1.5),
    adds: fc.array(fc.record({ gapR: uniform(0.1, 1.5), fraction: uniform(0.05, 1) }), { maxLength: 3 }),
    slack: fc.oneof(fc.constant(0), uniform(0, 1)),
  })
  .map((t) => {
    let atR = 0;
    const adds = t.adds.map((a) => ({ atR: (atR += a.gapR), fraction: a.fraction }));
    const sum = t.initial + adds.reduce((s, a) => s + a.fraction, 0);
    return { initialFraction: t.initial, adds, maxFraction: sum + t.slack, targets: [{ atR: 5, fraction: 1 }] };
  });

const configArb = fc
  .record({
    mode: fc.constantFrom<SizingMode>("regime_template", "full"),
    template: templateArb,
    riskPct: uniform(0.05, 4),
    minRiskPct: uniform(0, 0.5),
    maxRiskPct: uniform(0.5, 10),
    maxNotionalUsd: uniform(1000, 200_000),
    ddAt: uniform(1, 15),
    ddFactor: uniform(0.1, 1),
    haltAt: uniform(15, 40),
  })
  .map(
    (c): Config =>
      parseConfig({
        sizing: {
          mode: c.mode,
          riskPct: c.riskPct,
          minRiskPct: c.minRiskPct,
          maxRiskPct: c.maxRiskPct,
          drawdown: { ladder: [{ atPct: c.ddAt, factor: c.ddFactor }], haltAtPct: c.haltAt },
          templates: { t: c.template },
          regimeTemplates: { ADD_ALLOWED: "t", ADD_NEUTRAL: "t", NO_ADD: "t" },
        },
        risk: { maxNotionalUsd: c.maxNotionalUsd, maxOpenPositions: 5 },
      }),
  );

/** An RL policy answering a fixed action that counts how often it is asked. */
class CountingRl implements RlPolicy {
  calls = 0;
  constructor(readonly factor: number) {}
  multiplier(_s: RlStateInput): RlMultiplier {
    this.calls++;
    return { factor: this.factor, reason: `rl ${this.factor}`, action: 2, stateKey: "k" };
  }
}

const legArb = fc.record({
  // Where the add fills against its trigger: mostly near it, sometimes well above or below.
  slipR: fc.oneof({ weight: 4, arbitrary: uniform(0, 0.2) }, { weight: 1, arbitrary: uniform(-0.5, 2) }),
  equityMove: uniform(-0.25, 0.25),
  hwmMove: uniform(0, 0.3),
  buyingPowerUsd: fc.oneof({ weight: 4, arbitrary: uniform(1e4, 1e6) }, { weight: 1, arbitrary: uniform(0, 1e4) }),
});

const caseArb = fc.record({
  equityUsd: uniform(5_000, 2e6),
  price: uniform(1, 300),
  rFrac: uniform(0.002, 0.3),
  hwmMultiple: fc.oneof(fc.constant(1), uniform(1, 1.4)),
  buyingPowerUsd: uniform(5_000, 4e6),
  history: fc.array(uniform(-2, 4), { maxLength: 60 }),
  rl: fc.constantFrom(0.5, 0.75, 1, 1.25, 1.5, 2),
  legs: fc.array(legArb, { maxLength: 3 }),
});

describe("a position built by an entry and its adds", () => {
  it("never exceeds the caps of the whole position, floors once, and re-runs no layer for an add", () => {
    const seen = { positions: 0, adds: 0, addsCut: 0, floored: 0 };
    fc.assert(
      fc.property(configArb, caseArb, (cfg, c) => {
        const s = cfg.sizing;
        const maxN = cfg.risk.maxNotionalUsd;
        const tmpl = s.templates.t;
        const rl = new CountingRl(c.rl);
        const store = new KellyStatsStore(s.kelly.window);
        c.history.forEach((r, i) => store.add({ strategyId: "bear_trap", symbol: "ABC", rMultiple: r, closeTimeMs: i }));
        const context = { kelly: store.snapshot("bear_trap", "*", c.history.length), rlPolicy: rl };
        const sizer = createSizer(cfg);
        const entryPx = c.price;
        const stop = entryPx * (1 - c.rFrac);
        const r = entryPx - stop;
        const hwm = c.equityUsd * c.hwmMultiple;
        const base = { signal: makeSignal(), stopUsd: stop, openPositions: 0, regime: { regime: "ADD_ALLOWED" as const, probability: 0.9, reason: "t" }, context };
        const entry = sizer.size({ ...base, entryPriceUsd: entryPx, equityUsd: c.equityUsd, highWaterMarkUsd: hwm, buyingPowerUsd: c.buyingPowerUsd });
        const rlCallsAtEntry = rl.calls;
        if (entry.qtyShares === 0) return;
        seen.positions++;
        const full = entry.fullSize!;
        // The entry: a fraction of the full size, never lifted to the floor on its own.
        expect(entry.qtyShares).toBeLessThanOrEqual(Math.floor(tmpl.initialFraction * full.qtyShares + 1e-9));
        if (entry.cap?.startsWith("min risk")) seen.floored++;
        let held = entry.qtyShares;
        let cost = held * entryPx;
        const within = (e: number, px: number) => {
          expect(((cost - held * stop) / e) * 100).toBeLessThanOrEqual(s.maxRiskPct * TOL);
          expect(cost).toBeLessThanOrEqual(maxN * TOL);
          expect(held * px).toBeLessThanOrEqual(maxN * TOL);
        };
        within(c.equityUsd, entryPx);
        expect(cost).toBeLessThanOrEqual(c.buyingPowerUsd * TOL);
        let equity = c.equityUsd;
        let peak = hwm;
        for (let i = 0; i < Math.min(c.legs.length, tmpl.adds.length); i++) {
          const leg = c.legs[i];
          equity = Math.max(1, equity * (1 + leg.equityMove));
          peak = Math.max(peak, equity) * (1 + leg.hwmMove);
          const px = entryPx + (tmpl.adds[i].atR + leg.slipR) * r;
          const d = sizer.size({
            ...base,
            entryPriceUsd: px,
            equityUsd: equity,
            highWaterMarkUsd: peak,
            buyingPowerUsd: leg.buyingPowerUsd,
            stage: { kind: "add", index: i, template: "t" },
            position: { fullSize: full, heldQtyShares: held, avgPriceUsd: cost / held, boughtQtyShares: held },
          });
          // No learned layer: the RL policy is not asked again; the factors are the template's and the cutback's.
          expect(rl.calls).toBe(rlCallsAtEntry);
          expect(d.factors.map((f) => f.name).filter((n) => n !== "tmpl" && n !== "dd")).toEqual([]);
          expect(d.rl).toBeNull();
          // Never more than its fraction of the full size: no floor, no re-sizing upward.
          expect(Number.isInteger(d.qtyShares) && d.qtyShares >= 0).toBe(true);
          expect(d.qtyShares).toBeLessThanOrEqual(Math.floor(tmpl.adds[i].fraction * full.qtyShares + 1e-9));
          expect(d.cap?.startsWith("min risk") ?? false).toBe(false);
          if (d.qtyShares === 0) continue;
          seen.adds++;
          if (d.cap !== null) seen.addsCut++;
          expect(d.qtyShares * px).toBeLessThanOrEqual(leg.buyingPowerUsd * TOL);
          held += d.qtyShares;
          cost += d.qtyShares * px;
          within(equity, px);
          expect(held).toBeLessThanOrEqual(tmpl.maxFraction * full.qtyShares * TOL);
          expect(d.positionAfter!.qtyShares).toBe(held);
        }
      }),
      RUNS,
    );
    // The generators must reach adds, cut adds and the floor, or the property proves little.
    expect(seen.positions).toBeGreaterThan(RUNS.numRuns / 4);
    expect(seen.adds).toBeGreaterThan(50);
    expect(seen.addsCut).toBeGreaterThan(5);
    expect(seen.floored).toBeGreaterThan(0);
  });

  it("plans the full size so adds filled at their triggers fit: none is cut by a cap of the position", () => {
    fc.assert(
      fc.property(configArb, caseArb, (cfg, c) => {
        const sizer = createSizer(cfg);
        const tmpl = cfg.sizing.templates.t;
        const stop = c.price * (1 - c.rFrac);
        const r = c.price - stop;
        // Same equity and no drawdown throughout, and buying power for the plan only (none spare).
        const base = { signal: makeSignal(), stopUsd: stop, openPositions: 0, equityUsd: c.equityUsd, context: { rlPolicy: new CountingRl(c.rl) } };
        const entry = sizer.size({ ...base, entryPriceUsd: c.price, buyingPowerUsd: c.buyingPowerUsd });
        fc.pre(entry.qtyShares > 0);
        const full = entry.fullSize!.qtyShares;
        let held = entry.qtyShares;
        let cost = held * c.price;
        let bp = c.buyingPowerUsd - cost;
        tmpl.adds.forEach((a, i) => {
          const px = c.price + a.atR * r;
          const d = sizer.size({ ...base, entryPriceUsd: px, buyingPowerUsd: bp, stage: { kind: "add", index: i, template: "t" }, position: { fullSize: entry.fullSize, heldQtyShares: held, avgPriceUsd: cost / held, boughtQtyShares: held } });
          // At most a share lost to floating point where a plan lands exactly on a limit.
          expect(d.qtyShares).toBeGreaterThanOrEqual(Math.floor(a.fraction * full + 1e-9) - 1);
          held += d.qtyShares;
          cost += d.qtyShares * px;
          bp -= d.qtyShares * px;
        });
      }),
      RUNS,
    );
  });

  it("scales an add by the drawdown cutback relative to its entry's, never above it", () => {
    fc.assert(
      fc.property(configArb, caseArb, uniform(0, 0.5), (cfg, c, ddFrac) => {
        const sizer = createSizer(cfg);
        const stop = c.price * (1 - c.rFrac);
        const base = { signal: makeSignal(), stopUsd: stop, openPositions: 0, buyingPowerUsd: 1e12, context: { rlPolicy: new CountingRl(c.rl) } };
        const entry = sizer.size({ ...base, entryPriceUsd: c.price, equityUsd: c.equityUsd, highWaterMarkUsd: c.equityUsd * c.hwmMultiple });
        const tmpl = cfg.sizing.templates.t;
        fc.pre(entry.qtyShares > 0 && tmpl.adds.length > 0);
        const position = { fullSize: entry.fullSize, heldQtyShares: 0, avgPriceUsd: 0, boughtQtyShares: 0 };
        const px = c.price + tmpl.adds[0].atR * (c.price - stop);
        const add = (hwm: number) =>
          sizer.size({ ...base, entryPriceUsd: px, equityUsd: c.equityUsd, highWaterMarkUsd: hwm, stage: { kind: "add", index: 0, template: "t" }, position });
        const calm = add(c.equityUsd);
        const deep = add(c.equityUsd / (1 - ddFrac));
        const dd = deep.factors.find((f) => f.name === "dd")!.factor;
        expect(dd).toBeLessThanOrEqual(1);
        expect(deep.qtyShares).toBeLessThanOrEqual(calm.qtyShares);
        expect(calm.factors.find((f) => f.name === "dd")!.factor).toBe(1);
      }),
      RUNS,
    );
  });
});
